package rollup

// Add adds another result to r: the answer over the ratings of both, as
// when the measures include flagged ratings (kept in a rollup of their
// own) with the others.
func (r *Result) Add(o Result) {
	r.Total.Add(o.Total)
	r.ByChannel = addTallies(r.ByChannel, o.ByChannel)
	r.ByQuestionnaire = addTallies(r.ByQuestionnaire, o.ByQuestionnaire)
	r.Outcomes.Add(&o.Outcomes)
}

func addTallies[K comparable](into, from map[K]Tally) map[K]Tally {
	if len(from) > 0 && into == nil {
		into = make(map[K]Tally, len(from))
	}
	for k, t := range from {
		sum := into[k]
		sum.Add(t)
		into[k] = sum
	}
	return into
}
