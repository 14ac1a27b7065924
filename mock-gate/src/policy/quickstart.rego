# The mock's built-in policy: the decisions of LatchGate v0.2.0's quickstart preset, written
# for this project and evaluated by regorus, as the gate evaluates its own policy.
#
# Entry point `data.latchgate.decision`; the first step whose conditions hold (and whose result
# is defined) decides:
# untrusted digest, ACL, scopes, budget, sinks (denials), then the explicit allowlist (allow
# without review), then the review triggers (approval), then allow.

package latchgate

import rego.v1

default decision := {"allow": false, "deny_reason": "no matching allow rule"}

decision := refusal("untrusted action: digest verification failed") if {
	input.action_trust_verdict != "digest_ok"
} else := refusal(msg) if {
	not may_call
	msg := sprintf("principal '%s' is not authorised for action '%s'", [input.principal, input.action_id])
} else := refusal(msg) if {
	not lease_can_call
	msg := sprintf(
		"scope 'tools:call' is required for action execution but is absent from lease scopes: %v",
		[input.scopes],
	)
} else := refusal(msg) if {
	count(scopes_missing) > 0
	msg := sprintf(
		"lease is missing required scope(s) for action '%s': required=%v, present=%v, missing=%v",
		[input.action_id, input.required_scopes, input.scopes, scopes_missing],
	)
} else := refusal("budget exhausted: no calls remaining") if {
	input.budgets_before.calls_remaining <= 0
} else := refusal(msg) if {
	count(sinks_refused) > 0
	msg := sprintf("disallowed sink(s): %v", [sinks_refused])
} else := verdict if {
	data.latchgate.allowlist[input.action_id][input.principal]
	verdict := grant(false)
} else := verdict if {
	needs_review
	verdict := grant(true)
} else := verdict if {
	not needs_review
	verdict := grant(false)
}

refusal(msg) := {"allow": false, "deny_reason": msg}

grant(review) := {
	"allow": true,
	"requires_approval": review,
	"budgets_after": {"calls_remaining": input.budgets_before.calls_remaining - 1},
	"allowed_sinks": sinks_granted,
	"approved_secrets": object.get(input, "requested_secrets", []),
	"approved_egress": object.get(input, "egress_profile", "none"),
	"policy_version": data.policy_version,
}

# --- who may call what ------------------------------------------------------

own := data.acl[input.principal]

# `*` applies to principals without an entry, and to those that opt in.
falls_back_to_wildcard if not own

falls_back_to_wildcard if own.inherits_wildcard == true

may_call if input.action_id in own.allowed_actions

may_call if {
	falls_back_to_wildcard
	input.action_id in data.acl["*"].allowed_actions
}

sink_ok(s) if s in own.allowed_sinks

sink_ok(s) if {
	falls_back_to_wildcard
	s in data.acl["*"].allowed_sinks
}

sinks_refused contains s if {
	some s in input.requested_sinks
	not sink_ok(s)
}

sinks_granted := own.allowed_sinks if {
	own
	not own.inherits_wildcard
}

sinks_granted := sort({s | some s in own.allowed_sinks} | {s | some s in data.acl["*"].allowed_sinks}) if {
	own.inherits_wildcard == true
}

sinks_granted := data.acl["*"].allowed_sinks if not own

# --- scopes -------------------------------------------------------------------

lease_can_call if "tools:call" in input.scopes

scopes_missing contains r if {
	some r in input.required_scopes
	not r in input.scopes
}

# --- review triggers ------------------------------------------------------------

needs_review if input.action_risk_level in {"high", "critical"}

needs_review if sensitive_path

needs_review if count(object.get(input, "unresolved_paths", [])) > 0

needs_review if count(object.get(input, "unresolved_domains", [])) > 0

# Paths that always need a human, whatever the risk (glob.match with no delimiters).
sensitive_globs := ["**/.env", "**/.env.*", "**/secrets/**", "**/.ssh/**", "**/.aws/credentials"]

sensitive_path if {
	input.action_category == "fs"
	some g in sensitive_globs
	glob.match(g, [], object.get(input, "fs_path", ""))
}
