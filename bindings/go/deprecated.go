package ssogate

// Names from before the one-meaning-per-name rename (CHANGELOG.md, "Unreleased"). They are kept only
// while code written against them (directory_test.go) moves to the new names; new code uses the new ones.

// Deprecated: use GateOutcome.
type Outcome = GateOutcome

// Deprecated: use GateOutcomeKind.
type OutcomeKind = GateOutcomeKind

// Deprecated: use GateOutcomeLogin, GateOutcomePromptJoin, GateOutcomeJoinedByInvite, GateOutcomeDenied.
const (
	OutcomeLogin          = GateOutcomeLogin
	OutcomePromptJoin     = GateOutcomePromptJoin
	OutcomeJoinedByInvite = GateOutcomeJoinedByInvite
	OutcomeDenied         = GateOutcomeDenied
)

// Deprecated: use SPLoginOptions.
type LoginOptions = SPLoginOptions

// Deprecated: use ApplySSOMode.
func (g *Gate) SetSSOMode(accountID string, mode SSOMode, force bool) (*EnforcementPreview, error) {
	return g.ApplySSOMode(accountID, mode, force)
}

// Deprecated: use BeginSPLogin.
func (g *Gate) BeginLogin(connectionID string, opts SPLoginOptions) (*SPLoginRequest, error) {
	return g.BeginSPLogin(connectionID, opts)
}
