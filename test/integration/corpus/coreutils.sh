# coreutils: listing, copying, sorting and finding, over files made here
mkdir -p d/e && printf 'b\na\nc\n' > d/f && printf 'z\n' > d/e/g
ls -la d | awk '{print $1, $NF}'
cp -r d copy && cp /etc/hostname copy/
sort -r d/f
sort -u /etc/passwd | cut -d: -f1 | head -5
find . -type f | sort
ls /nonexistent 2>/dev/null; echo "ls status $?"
