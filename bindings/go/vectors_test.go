package ssogate_test

import (
	"os"
	"path/filepath"
	"testing"
)

// vectorsEnv names the repository's tests/vectors directory for a copy of this module that is not in
// the repository (the module cache, a vendor tree, a temporary copy).
const vectorsEnv = "SSOGATE_TEST_VECTORS"

// vectorDir returns tests/vectors/<sub>, the test vectors the C, Python and Go tests share. They live
// in the repository, not in the module: from $SSOGATE_TEST_VECTORS when set (a wrong path fails the
// test), else beside the module in the repository. A copy of the module with neither skips the tests
// that need them, saying how to run them; everything else runs without them.
func vectorDir(t testing.TB, sub string) string {
	t.Helper()
	if dir := os.Getenv(vectorsEnv); dir != "" {
		path := filepath.Join(dir, sub)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s=%s: %v", vectorsEnv, dir, err)
		}
		return path
	}
	path := filepath.Join("..", "..", "tests", "vectors", sub)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("needs the repository's test vectors (tests/vectors/%s), which are not beside this copy of the module; "+
			"set %s=<repository>/tests/vectors to run it", sub, vectorsEnv)
	}
	return path
}

func interopDir(t testing.TB) string { return vectorDir(t, "interop") }

func attacksDir(t testing.TB) string { return vectorDir(t, "attacks") }
