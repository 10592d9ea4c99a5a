package bolt

import bolt "go.etcd.io/bbolt"

// StopCompactionAfter makes Compact stop after the named step as a crash
// would, until the test ends.
func StopCompactionAfter(step string) (restore func()) {
	prev := compactStep
	compactStep = func(s string) error {
		if s == step {
			return errCrash
		}
		return nil
	}
	return func() { compactStep = prev }
}

// FailReopen makes Compact fail to open the compacted file again, until
// the test ends.
func FailReopen() (restore func()) {
	prev := openAgain
	openAgain = func(string, bool) (*bolt.DB, error) { return nil, errCrash }
	return func() { openAgain = prev }
}

var errCrash = errorString("simulated crash")

type errorString string

func (e errorString) Error() string { return string(e) }
