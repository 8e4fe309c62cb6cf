/* ktermios.c: the size of the kernel's struct termios, the bytes TCGETS
 * writes and TCSETS* read (capture.c). Apart because <asm/termbits.h> and
 * glibc's <termios.h> cannot meet in one file; glibc's structure is
 * larger, and the shim must never read more than the kernel vouched for.
 * Runs in the traced program: nothing but the constant.
 */
#include <asm/termbits.h>
#include <stdint.h>

__attribute__((visibility("hidden"))) const uint32_t rn_ktermios_size = sizeof(struct termios);
