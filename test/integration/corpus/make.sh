# make building a small C project
cat > main.c <<'C'
#include <stdio.h>
int add(int, int);
int main(void) { printf("%d\n", add(2, 40)); return 0; }
C
cat > add.c <<'C'
int add(int a, int b) { return a + b; }
C
printf 'prog: main.o add.o\n\t$(CC) -o $@ main.o add.o\n' > Makefile
make -s CC=cc && ./prog
