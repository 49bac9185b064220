package dev.ssogate;

import java.util.List;

/**
 * What switching an account to {@link SsoMode#ENFORCED} does or would do.
 *
 * @param allowed      enforcing is allowed (safe, or forced)
 * @param applied      the mode changed ({@link Gate#applySsoMode}); always false for a preview
 * @param mode         the account's mode after the call
 * @param reason       ENFORCEMENT_SAFE, LOCKOUT_GUARD, FORCED or NO_ENABLED_CONNECTION
 * @param losingAccess members who would lose access (active, never logged in through SSO, not break-glass)
 * @param breakGlass   break-glass members who keep password login
 */
public record Enforcement(boolean allowed, boolean applied, SsoMode mode, Reason reason, String detail,
                          List<String> losingAccess, List<String> breakGlass) {
    public Enforcement {
        losingAccess = List.copyOf(losingAccess);
        breakGlass = List.copyOf(breakGlass);
    }
}
