package rollup_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"hailong"
	"hailong/aggregator/rollup"
)

func TestQueryMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	units := []string{"A", "B", "C", "D"}
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	var facts []rollup.Fact
	r := rollup.New()
	for i := 0; i < 5000; i++ {
		f := rollup.Fact{Unit: pick(units...), Date: hailong.Date(20000 + rng.IntN(400)), Satisfied: rng.IntN(4) != 0,
			Dims: rollup.Dims{Questionnaire: pick("counter-quick", "sipas"), Channel: hailong.Channel(pick("kiosk", "qr")),
				Procedure: pick("", "1.004122", "2.000908"), Official: pick("", "cb-1", "cb-2"), Counter: pick("", "Q1")}}
		facts = append(facts, f)
		r.Add(f)
	}
	for i := 0; i < 300; i++ {
		from := hailong.Date(20000 + rng.IntN(400))
		to := from + hailong.Date(rng.IntN(200))
		us := units[:1+rng.IntN(len(units))]
		f := rollup.Filter{}
		if rng.IntN(2) == 0 {
			f.Channel = hailong.Channel(pick("kiosk", "qr"))
		}
		if rng.IntN(3) == 0 {
			f.Official = pick("cb-1", "cb-2")
		}
		if rng.IntN(3) == 0 {
			f.Questionnaire = "sipas"
		}
		if rng.IntN(4) == 0 {
			f.Procedure, f.Counter = "1.004122", "Q1"
		}
		if rng.IntN(5) == 0 {
			f.Procedures = []string{"1.004122", "2.000908"}[:1+rng.IntN(2)]
		}
		var want rollup.Tally
		for _, x := range facts {
			in := false
			for _, u := range us {
				in = in || u == x.Unit
			}
			if in && x.Date >= from && x.Date <= to &&
				(f.Channel == "" || f.Channel == x.Channel) && (f.Official == "" || f.Official == x.Official) &&
				(f.Questionnaire == "" || f.Questionnaire == x.Questionnaire) &&
				(f.Procedure == "" || f.Procedure == x.Procedure) && (f.Counter == "" || f.Counter == x.Counter) &&
				(len(f.Procedures) == 0 || slices.Contains(f.Procedures, x.Procedure)) {
				want.N++
				if x.Satisfied {
					want.Satisfied++
				}
			}
		}
		got := r.Query(us, from, to, f)
		if got.Total.N != want.N || got.Total.Satisfied != want.Satisfied {
			t.Fatalf("query %v %v..%v %+v = %+v, want %+v", us, from, to, f, got.Total, want)
		}
		if sum := got.ByChannel["kiosk"].N + got.ByChannel["qr"].N; sum != want.N {
			t.Fatalf("channels add up to %d, want %d", sum, want.N)
		}
	}
}

func TestPersistedDaysLoadBack(t *testing.T) {
	r := rollup.New()
	f := rollup.Fact{Unit: "A", Date: 1, Dims: rollup.Dims{Questionnaire: "q", Channel: "kiosk"}, Satisfied: true, Level: 2,
		Items: []rollup.Item{{Q: "x", N: 1, Satisfied: 1}}}
	r.Add(f, f)
	days := r.All()
	if len(days) != 1 || days[0].Cells[0].N != 2 || days[0].Cells[0].Levels[2] != 2 || days[0].Cells[0].Items[0].N != 2 {
		t.Fatalf("days = %+v", days)
	}
	loaded := rollup.New()
	loaded.Load(days...)
	if loaded.Ratings() != 2 {
		t.Fatalf("loaded %d ratings", loaded.Ratings())
	}
	got := loaded.Query([]string{"A"}, 0, 10, rollup.Filter{}).ByQuestionnaire["q"]
	if got.N != 2 || got.Levels[2] != 2 || len(got.Items) != 1 || got.Items[0].Satisfied != 2 {
		t.Fatalf("query after load = %+v", got)
	}
}
