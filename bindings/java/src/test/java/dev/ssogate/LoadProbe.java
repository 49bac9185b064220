package dev.ssogate;

/** Run in a child JVM by NativeLoadTest: prints the library version, or the load error's message. */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        try {
            System.out.println("version " + Ssogate.version());
        } catch (UnsatisfiedLinkError e) {
            System.out.println("error " + e.getMessage());
            System.exit(3);
        }
    }
}
