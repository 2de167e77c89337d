package cloudacc

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// Checks in this package never quote a password or any value derived from one: their messages
// end up in the logs of runs against real accounts.

// check is a state check and a plan check in one, as a function of the JSON document Terraform
// shows (`terraform show -json`), decoded into generic values.
type check func(doc map[string]any) error

var (
	_ statecheck.StateCheck = check(nil)
	_ plancheck.PlanCheck   = check(nil)
)

// CheckState implements statecheck.StateCheck.
func (f check) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f.run(req.State)
}

// CheckPlan implements plancheck.PlanCheck.
func (f check) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f.run(req.Plan)
}

func (f check) run(v any) error {
	if v == nil {
		return fmt.Errorf("no document to inspect")
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	return f(doc)
}

// observe is a state check that asks the API itself, for what Terraform's state cannot show (a
// server's status, whether a Windows password is still stored).
type observe func() error

var _ statecheck.StateCheck = observe(nil)

// CheckState implements statecheck.StateCheck.
func (f observe) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// secretAbsent fails when secret appears anywhere in the plan or state: a write-only password
// must reach neither.
func secretAbsent(secret string) check {
	return func(doc map[string]any) error {
		data, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		if len(data) < 20 {
			return fmt.Errorf("the document is suspiciously small; finding no secret in it proves nothing")
		}
		if strings.Contains(string(data), secret) {
			return fmt.Errorf("the plan or state holds a password that must never be stored")
		}
		return nil
	}
}

// stateValue returns an attribute of a root-module resource in the state JSON.
func stateValue(doc map[string]any, address, attribute string) (any, error) {
	values, _ := doc["values"].(map[string]any)
	root, _ := values["root_module"].(map[string]any)
	resources, _ := root["resources"].([]any)
	for _, r := range resources {
		res, _ := r.(map[string]any)
		if res["address"] != address {
			continue
		}
		attrs, _ := res["values"].(map[string]any)
		v, ok := attrs[attribute]
		if !ok {
			return nil, fmt.Errorf("%s has no attribute %s in the state", address, attribute)
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s is not in the state", address)
}

// stateSecret returns a string attribute that may hold a secret, which must be a non-empty string.
func stateSecret(doc map[string]any, address, attribute string) (string, error) {
	v, err := stateValue(doc, address, attribute)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s.%s is empty or not a string", address, attribute)
	}
	return s, nil
}

// secretsEqual checks that two attributes in the state hold the same non-empty secret.
func secretsEqual(addressA, attributeA, addressB, attributeB string) check {
	return func(doc map[string]any) error {
		a, err := stateSecret(doc, addressA, attributeA)
		if err != nil {
			return err
		}
		b, err := stateSecret(doc, addressB, attributeB)
		if err != nil {
			return err
		}
		if a != b {
			return fmt.Errorf("%s.%s and %s.%s differ (values not shown)", addressA, attributeA, addressB, attributeB)
		}
		return nil
	}
}

// secretIs checks that a state attribute holds the expected secret.
func secretIs(address, attribute, want string) check {
	return func(doc map[string]any) error {
		got, err := stateSecret(doc, address, attribute)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("%s.%s does not hold the password the configuration gave (values not shown)", address, attribute)
		}
		return nil
	}
}

// wordsPattern matches the words in order, with any line wrapping or box drawing Terraform puts
// between them; parts are separated by anything. A part starting with "re:" is a regular
// expression taken as is.
func wordsPattern(parts ...string) *regexp.Regexp {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		if re, ok := strings.CutPrefix(p, "re:"); ok {
			quoted[i] = re
			continue
		}
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		quoted[i] = strings.Join(words, `[\s│]+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, `.*`))
}

// newPassword returns a random password that follows the ECS password rules. It is never logged.
func newPassword() string { return testfixture.Password() }

// randomUUID returns a random version 4 UUID: with 122 random bits it names no server anywhere.
func randomUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
