// Package acctest is the acceptance-test kit shared by the provider's tests and the end-to-end
// tests: a simulator per test with the provider block pointing at it, HCL rendering for
// provider and resource blocks, and checks that compare what Terraform recorded with the
// simulator's ground truth or search a plan or state for secrets.
//
// The checks implement both statecheck.StateCheck and plancheck.PlanCheck, so one value serves
// in ConfigStateChecks and in the plan check lists; a SimCheck can also be called directly,
// for instance in a step's PreConfig.
//
// The package must not import internal/provider: the provider's own tests import acctest, so
// the provider factories stay with those tests. Simulator helpers with no Terraform in them
// live in internal/ecssim/simtest, where the API client's tests can use them too.
package acctest
