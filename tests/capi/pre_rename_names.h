/*
 * The gate-outcome names from before the one-meaning-per-name rename (CHANGELOG.md, "Unreleased"),
 * mapped to the new ones for directory_test.c only, which is being reworked on another branch at the
 * same time. Force-included by CMake for that one test; delete it once directory_test.c uses the new
 * names. Never installed, never included by the library or its users.
 */
#ifndef SSOGATE_TESTS_PRE_RENAME_NAMES_H
#define SSOGATE_TESTS_PRE_RENAME_NAMES_H

#include <ssogate/ssogate.h>

#define ssogate_outcome ssogate_gate_outcome
#define ssogate_outcome_free ssogate_gate_outcome_free
#define ssogate_outcome_kind ssogate_gate_outcome_kind
#define ssogate_outcome_error_code ssogate_gate_outcome_error_code
#define ssogate_outcome_join_token ssogate_gate_outcome_join_token
#define ssogate_outcome_reason_text ssogate_gate_outcome_reason_text
#define ssogate_outcome_login ssogate_gate_outcome_verified_login
#define SSOGATE_OUTCOME_LOGIN SSOGATE_GATE_OUTCOME_LOGIN
#define SSOGATE_OUTCOME_PROMPT_JOIN SSOGATE_GATE_OUTCOME_PROMPT_JOIN
#define SSOGATE_OUTCOME_JOINED_BY_INVITE SSOGATE_GATE_OUTCOME_JOINED_BY_INVITE
#define SSOGATE_OUTCOME_DENIED SSOGATE_GATE_OUTCOME_DENIED

#endif
