package report

import "fmt"

// alongside runs f in a goroutine of its own and returns a function that
// waits for its result. The measures read the ratings' rollup and the
// outcome book, two structures under locks of their own; read side by side,
// a request takes as long as the slower of the two (about a fifth of a
// province's year is the book's) rather than both, where a core is free.
// A panic in f is raised again by the wait, in the request's goroutine,
// where the server's recovery answers it, rather than ending the process.
func alongside[T any](f func() T) (wait func() T) {
	var (
		v     T
		fault any
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		defer func() { fault = recover() }()
		v = f()
	}()
	return func() T {
		<-done
		if fault != nil {
			panic(fmt.Sprintf("alongside the measures: %v", fault))
		}
		return v
	}
}
