#include "coreg_jpeg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

struct coreg_err {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int premature_eof;
};

static void coreg_error_exit(j_common_ptr cinfo) {
    struct coreg_err *e = (struct coreg_err *)cinfo->err;
    longjmp(e->jump, 1);
}

/* Warnings are not printed; a premature end of data is remembered and reported as an error. */
static void coreg_emit_message(j_common_ptr cinfo, int level) {
    struct coreg_err *e = (struct coreg_err *)cinfo->err;
    if (level < 0) {
        if (e->pub.msg_code == JWRN_JPEG_EOF) e->premature_eof = 1;
        e->pub.num_warnings++;
    }
}

static void coreg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void put_message(j_common_ptr cinfo, char *err, size_t errlen) {
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    if (errlen > 0) {
        strncpy(err, buf, errlen - 1);
        err[errlen - 1] = 0;
    }
}

int coreg_jpeg_decode(const unsigned char *data, size_t size, size_t max_pixels,
                      unsigned char **out, int *width, int *height, int *channels,
                      char *err, size_t errlen, size_t *err_offset) {
    struct jpeg_decompress_struct cinfo;
    struct coreg_err jerr;
    unsigned char *volatile buffer = NULL;
    *out = NULL;
    *err_offset = 0;
    if (errlen > 0) err[0] = 0;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = coreg_error_exit;
    jerr.pub.emit_message = coreg_emit_message;
    jerr.pub.output_message = coreg_output_message;
    jerr.premature_eof = 0;
    if (setjmp(jerr.jump)) {
        put_message((j_common_ptr)&cinfo, err, errlen);
        if (cinfo.src) *err_offset = size - cinfo.src->bytes_in_buffer;
        if (jerr.premature_eof) {
            /* libjpeg pads a short stream with a fake EOI; the real cause is the early end. */
            char cause[JMSG_LENGTH_MAX];
            (*cinfo.err->format_message)((j_common_ptr)&cinfo, cause);
            snprintf(err, errlen, "JPEG data ends early (then: %s)", cause);
            *err_offset = size;
        }
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        snprintf(err, errlen, "no JPEG image in the data");
        *err_offset = size - cinfo.src->bytes_in_buffer;
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        snprintf(err, errlen, "CMYK/YCCK JPEG images are not supported (expected grayscale or RGB)");
        jpeg_destroy_decompress(&cinfo);
        return 3;
    }
    int gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
    cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    /* A header may declare a huge image over a few bytes of data: bound the pixel count by the
       data present (4096 pixels a byte is far beyond real JPEG compression) before allocating. */
    if ((size_t)cinfo.image_width * (size_t)cinfo.image_height > 4096 * size + ((size_t)1 << 20)) {
        snprintf(err, errlen, "image of %u x %u pixels declared over only %zu bytes of data (the data ends early or the size is corrupt)",
                 cinfo.image_width, cinfo.image_height, size);
        *err_offset = 0;
        jpeg_destroy_decompress(&cinfo);
        return 8;
    }
    if ((size_t)cinfo.image_width * (size_t)cinfo.image_height > max_pixels) {
        snprintf(err, errlen, "image of %u x %u pixels is larger than the limit of %zu pixels",
                 cinfo.image_width, cinfo.image_height, max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return 4;
    }
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height, c = cinfo.output_components;
    if (c != 1 && c != 3) {
        snprintf(err, errlen, "unexpected %d output components", c);
        jpeg_destroy_decompress(&cinfo);
        return 5;
    }
    size_t stride = (size_t)w * (size_t)c;
    buffer = (unsigned char *)malloc(stride * (size_t)h + 1);
    if (!buffer) {
        snprintf(err, errlen, "out of memory for a %d x %d image", w, h);
        jpeg_destroy_decompress(&cinfo);
        return 6;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffer + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (jerr.premature_eof) break;
    }
    if (jerr.premature_eof) {
        snprintf(err, errlen, "JPEG data ends early (premature end of data)");
        *err_offset = size;
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return 7;
    }
    jpeg_finish_decompress(&cinfo);
    if (jerr.premature_eof) {
        snprintf(err, errlen, "JPEG data ends early (premature end of data)");
        *err_offset = size;
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return 7;
    }
    jpeg_destroy_decompress(&cinfo);
    *out = buffer;
    *width = w;
    *height = h;
    *channels = c;
    return 0;
}

int coreg_jpeg_encode(const unsigned char *pixels, int width, int height, int channels,
                      int quality, unsigned char **out, size_t *out_size, char *err, size_t errlen) {
    struct jpeg_compress_struct cinfo;
    struct coreg_err jerr;
    unsigned char *volatile mem = NULL;
    unsigned long mem_size = 0;
    *out = NULL;
    *out_size = 0;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = coreg_error_exit;
    jerr.pub.emit_message = coreg_emit_message;
    jerr.pub.output_message = coreg_output_message;
    if (setjmp(jerr.jump)) {
        put_message((j_common_ptr)&cinfo, err, errlen);
        jpeg_destroy_compress(&cinfo);
        free(mem);
        return 1;
    }
    if (channels != 1 && channels != 3) {
        snprintf(err, errlen, "expected 1 or 3 channels, got %d", channels);
        return 2;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *m = NULL;
    jpeg_mem_dest(&cinfo, &m, &mem_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    mem = m;
    jpeg_destroy_compress(&cinfo);
    *out = mem;
    *out_size = mem_size;
    return 0;
}

void coreg_free(void *p) { free(p); }
