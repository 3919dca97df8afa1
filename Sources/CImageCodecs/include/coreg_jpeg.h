#ifndef COREG_JPEG_H
#define COREG_JPEG_H
#include <stddef.h>

/// Decodes a baseline or progressive JPEG held in memory into 8-bit pixels (1 channel for
/// grayscale, 3 for everything else). Returns 0 on success; otherwise a non-zero code, a message
/// in `err` (NUL-terminated, at most `errlen` bytes) and the input byte offset in `*err_offset`.
/// On success `*out` holds height*width*channels bytes (row-major HWC) allocated with malloc;
/// release it with coreg_free. Images with more than `max_pixels` pixels are refused before any
/// pixel buffer is allocated.
int coreg_jpeg_decode(const unsigned char *data, size_t size, size_t max_pixels,
                      unsigned char **out, int *width, int *height, int *channels,
                      char *err, size_t errlen, size_t *err_offset);

/// Encodes 8-bit pixels (1 or 3 channels, row-major HWC) as a JPEG in memory.
int coreg_jpeg_encode(const unsigned char *pixels, int width, int height, int channels,
                      int quality, unsigned char **out, size_t *out_size, char *err, size_t errlen);

void coreg_free(void *p);
#endif
