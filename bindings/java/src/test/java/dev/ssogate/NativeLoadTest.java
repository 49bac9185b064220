package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading the JNI glue, in child JVMs (a JVM loads a library once, so the failure cannot be shown in
 * this one): found on java.library.path, found at -Ddev.ssogate.library, and not found, with an error
 * that names the library and says how to make it found.
 */
class NativeLoadTest {
    static String run(List<String> props) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(props);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LoadProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return p.exitValue() + " " + out;
    }

    static String libraryDir() {
        for (String dir : System.getProperty("java.library.path").split(File.pathSeparator)) {
            if (new File(dir, "lib" + NativeLibrary.NAME + ".so").isFile()) {
                return dir;
            }
        }
        throw new IllegalStateException("this test JVM found the library elsewhere than on java.library.path");
    }

    @Test
    void foundOnTheLibraryPath() throws Exception {
        assertEquals("0 version " + Ssogate.version(), run(List.of("-Djava.library.path=" + libraryDir())));
    }

    @Test
    void foundAtAnExplicitPath(@TempDir Path empty) throws Exception {
        String lib = new File(libraryDir(), "lib" + NativeLibrary.NAME + ".so").getAbsolutePath();
        assertEquals("0 version " + Ssogate.version(),
                run(List.of("-Djava.library.path=" + empty, "-D" + NativeLibrary.PATH_PROPERTY + "=" + lib)));
    }

    @Test
    void notFoundSaysWhatAndHow(@TempDir Path empty) throws Exception {
        String out = run(List.of("-Djava.library.path=" + empty));
        assertTrue(out.startsWith("3 error ssogate: cannot load the native library libssogate_jni.so"), out);
        assertTrue(out.contains("libssogate.so.0") && out.contains("-Djava.library.path=")
                && out.contains("-Ddev.ssogate.library=") && out.contains(empty.toString()), out);
    }
}
