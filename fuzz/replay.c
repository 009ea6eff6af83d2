/* replay: a main for the fuzz targets without libFuzzer.  Each argument
 * is a file, run as one input, or a directory, whose files are run in name
 * order.  The name of each input is printed before it runs, so when an
 * invariant aborts, the last name printed is the input that broke it. */
#include "config.h"

#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

static unsigned long inputs;

/* Reads the whole file PATH and runs it; false if it cannot be read. */
static bool run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return false;
    }
    size_t len = 0, cap = 4096;
    uint8_t *data = malloc(cap);
    size_t n;
    while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(data, cap * 2);
            if (!bigger)
                free(data);
            data = bigger;
            cap *= 2;
        }
    }
    bool ok = data && !ferror(f);
    fclose(f);
    if (!ok) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(data);
        return false;
    }
    printf("%s (%zu bytes)\n", path, len);
    fflush(stdout);
    /* An exact-size copy, so that AddressSanitizer sees any read past the
     * end of the input, as it does under libFuzzer. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(data);
        return false;
    }
    memcpy(exact, data, len);
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    inputs++;
    return true;
}

static bool run_directory(const char *path)
{
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            size_t size = strlen(path) + strlen(names[i]->d_name) + 2;
            char *file = malloc(size);
            if (!file) {
                ok = false;
            } else {
                snprintf(file, size, "%s/%s", path, names[i]->d_name);
                ok = run_file(file) && ok;
                free(file);
            }
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

int main(int argc, char **argv)
{
    bool ok = true;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            ok = run_directory(argv[i]) && ok;
        else
            ok = run_file(argv[i]) && ok;
    }
    printf("%lu inputs replayed\n", inputs);
    return ok ? 0 : 2;
}
