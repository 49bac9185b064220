package dev.ssogate;

/**
 * A refusal from the library: a stable {@link Code}, an operator message saying what was expected and
 * what came, and a message safe to show the end user whose login failed. Match on {@link #code()},
 * never on a message.
 *
 * <p>Unchecked, and deliberately not an {@link IllegalArgumentException}: a stray catch of that must not
 * swallow an authentication failure.
 */
public final class SsogateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int codeNumber;
    private final String operatorMessage;
    private final String userMessage;
    private final boolean signatureVerified;
    private final String signedIdentity;

    SsogateException(int codeNumber, String operatorMessage, String userMessage, boolean signatureVerified,
                     String signedIdentity) {
        super(format(codeNumber, operatorMessage));
        this.codeNumber = codeNumber;
        this.operatorMessage = operatorMessage == null ? "" : operatorMessage;
        this.userMessage = userMessage == null ? "" : userMessage;
        this.signatureVerified = signatureVerified;
        this.signedIdentity = signedIdentity == null ? "" : signedIdentity;
    }

    /** An error the binding itself raises (a caller error caught before the C call). */
    SsogateException(Code code, String operatorMessage) {
        this(code.number(), operatorMessage, "", false, "");
    }

    private static String format(int number, String message) {
        Code c = Code.fromNumber(number);
        String name = c == null ? "UNKNOWN" : c.name();
        return message == null || message.isEmpty() ? name + " (" + number + ")" : name + " (" + number + "): " + message;
    }

    /**
     * The code; {@link Code#INTERNAL} for a number this binding does not know (a newer library), whose
     * number {@link #codeNumber()} still gives.
     */
    public Code code() {
        Code c = Code.fromNumber(codeNumber);
        return c == null ? Code.INTERNAL : c;
    }

    /** The code's number as the library returned it. */
    public int codeNumber() {
        return codeNumber;
    }

    /** For the operator: what was expected and what came. Never contains keys or whole documents. */
    public String operatorMessage() {
        return operatorMessage;
    }

    /**
     * Safe to show the end user: generic, it names the code for their administrator and never echoes
     * input. Empty for errors the binding raises itself.
     */
    public String userMessage() {
        return userMessage;
    }

    /**
     * True for a refused login whose refusal came after the response's signature verified (replay,
     * email domain, ...); {@link #signedIdentity()} then names who the signed assertion was for.
     */
    public boolean signatureVerified() {
        return signatureVerified;
    }

    /** Who the signed assertion names when {@link #signatureVerified()}; "" otherwise. */
    public String signedIdentity() {
        return signedIdentity;
    }
}
