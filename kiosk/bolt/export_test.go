package bolt

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

var errCrash = errorString("simulated crash")

type errorString string

func (e errorString) Error() string { return string(e) }
