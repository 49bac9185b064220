package dev.ssogate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssogate.internal.capi.ssogate_code;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The generated enums against the loaded library and against SWIG's reading of the header. */
class CodesTest {
    @Test
    void everyCodeHasTheLibrarysName() {
        for (Code c : Code.values()) {
            assertEquals(c.name(), Ssogate.codeName(c.number()), "code " + c.number());
            assertEquals(c, Code.fromNumber(c.number()));
        }
        assertNull(Code.fromNumber(99999));
        assertEquals("UNKNOWN", Ssogate.codeName(99999));
    }

    @Test
    void everyCodeOfTheHeaderIsAnEnumConstant() throws IllegalAccessException {
        // SWIG's ssogate_code class holds the header's enum members as int constants.
        Set<Integer> header = new HashSet<>();
        for (Field f : ssogate_code.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                int n = f.getInt(null);
                header.add(n);
                Code c = Code.fromNumber(n);
                assertEquals(f.getName(), c == null ? null : "SSOGATE_" + c.name());
            }
        }
        assertEquals(header.size(), Code.values().length);
    }

    @Test
    void everyReasonHasTheLibrarysNameAndText() {
        for (Reason r : Reason.values()) {
            // NONE is "no policy reason": the library names no reason for it.
            assertEquals(r == Reason.NONE ? "UNKNOWN" : r.name(), Ssogate.reasonName(r.number()));
            assertTrue(!Ssogate.reasonText(r).isEmpty());
        }
    }

    @Test
    void theLoadedLibraryIsTheHeadersVersion() {
        int n = Ssogate.versionNumber();
        assertEquals(n / 1000000 + "." + n / 1000 % 1000 + "." + n % 1000, Ssogate.version());
    }

    @Test
    void theJarsVersionFollowsTheHeader() {
        // The pom's version is the header's MAJOR.MINOR.PATCH (a -SNAPSHOT until released).
        assertEquals(Ssogate.version(), System.getProperty("ssogate.pom.version").replace("-SNAPSHOT", ""));
    }

    @Test
    void exceptionsFormatCodeNameAndNumber() {
        SsogateException e = new SsogateException(Code.REPLAYED, "seen before");
        assertEquals("REPLAYED (" + Code.REPLAYED.number() + "): seen before", e.getMessage());
        SsogateException unknown = new SsogateException(4242, "", "", false, null);
        assertEquals(Code.INTERNAL, unknown.code());
        assertEquals(4242, unknown.codeNumber());
        assertEquals("UNKNOWN (4242)", unknown.getMessage());
        assertTrue(!IllegalArgumentException.class.isAssignableFrom(SsogateException.class));
    }
}
