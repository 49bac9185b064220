/* Imports IdP metadata through the installed library and prints its entityID. */
#include <ssogate/ssogate.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    static char buf[1 << 20];
    FILE *f;
    size_t n;
    ssogate_error *err;
    ssogate_idp *idp;
    if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
        return 2;
    }
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    err = ssogate_error_new();
    idp = ssogate_idp_import(buf, n, NULL, 0, NULL, 0, NULL, err);
    if (idp == NULL) {
        fprintf(stderr, "%s: %s\n", ssogate_code_name(ssogate_error_code(err)), ssogate_error_message(err));
        return 3;
    }
    printf("%s %s\n", ssogate_version_string(), ssogate_idp_entity_id(idp));
    ssogate_idp_free(idp);
    ssogate_error_free(err);
    return 0;
}
