// Package synth generates a synthetic province: administrative units with a
// merger in the middle of the period, a procedure catalogue, and ratings
// with every dimension a page shows (procedures and their fields,
// officials and counters of each centre, the kiosk and QR channels, both
// questionnaires, citizens' comments) and the outcomes of rated dossiers.
// Centres differ (some better, some busier, a few too quiet to be ranked),
// satisfaction improves over the years and dips after the merger, so every
// view has something to tell. Everything follows from a seed, so runs
// compare.
//
// One generator feeds the demo (through the aggregator's ingest path),
// 'aggregator generate' (the same path, into a database) and the
// benchmarks (straight into the in-memory rollups, in seconds).
package synth

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"hailong"
	"hailong/hierarchy"
	"hailong/procedure"
)

// Merger is the day the synthetic provinces merge, as Vietnam's did.
var Merger = hailong.DateFromYMD(2025, 7, 1)

// Start and End bound the two synthetic years, the merger in the middle.
var (
	Start = hailong.DateFromYMD(2024, 7, 1)
	End   = hailong.DateFromYMD(2026, 6, 30)
)

// Units returns about 300 units: two old provinces (48 and 49) with ten
// districts each and their one-stop desks, merged on 1 July 2025 into
// province 48 with 120 communes and their centres, the provincial centre and
// department desks. Codes are illustrative.
func Units() []hierarchy.Unit {
	var us []hierarchy.Unit
	old, long := hailong.DateFromYMD(2008, 8, 1), hailong.DateFromYMD(2019, 1, 1)
	add := func(code, name string, kind hierarchy.Kind, parent string, from, until hailong.Date, successor string) {
		us = append(us, hierarchy.Unit{Code: code, Name: name, Kind: kind, Parent: parent, From: from, Until: until, Successor: successor})
	}
	add("48", "Thành phố Đà Nẵng (cũ)", hierarchy.Province, "", old, Merger, "")
	add("48", "Thành phố Đà Nẵng", hierarchy.Province, "", Merger, 0, "")
	add("49", "Tỉnh Quảng Nam (cũ)", hierarchy.Province, "", old, Merger, "48")
	add("TT-48", "Trung tâm Phục vụ hành chính công thành phố", hierarchy.Centre, "48", long, 0, "")
	add("TT-49", "Trung tâm Phục vụ hành chính công tỉnh Quảng Nam (cũ)", hierarchy.Centre, "49", long, Merger, "TT-48")
	for i := 0; i < 15; i++ {
		add(fmt.Sprintf("SO-%02d", i), fmt.Sprintf("Bộ phận Một cửa Sở %d", i+1), hierarchy.Centre, "48", Merger, 0, "")
	}
	for i := 0; i < 120; i++ {
		c := fmt.Sprintf("%05d", 20000+i*7)
		add(c, fmt.Sprintf("Xã %d", i+1), hierarchy.Commune, "48", Merger, 0, "")
		add("TT-"+c, fmt.Sprintf("Trung tâm Phục vụ hành chính công xã %d", i+1), hierarchy.Centre, c, Merger, 0, "")
	}
	for p, prov := range []string{"48", "49"} {
		for i := 0; i < 10; i++ {
			d := fmt.Sprintf("%03d", 490+p*20+i)
			succ := fmt.Sprintf("%05d", 20000+(p*60+i*6)*7)
			add(d, fmt.Sprintf("Huyện %d (cũ)", p*10+i+1), hierarchy.District, prov, old, Merger, succ)
			add("MC-"+d, fmt.Sprintf("Bộ phận Một cửa huyện %d (cũ)", p*10+i+1), hierarchy.Centre, d, long, Merger, "TT-"+succ)
		}
	}
	return us
}

// Procedures returns 2,000 procedures in 20 fields.
func Procedures() []procedure.Procedure {
	ps := make([]procedure.Procedure, 2000)
	for i := range ps {
		ps[i] = procedure.Procedure{Code: fmt.Sprintf("%d.%06d", 1+i%2, 1000+i), Name: fmt.Sprintf("Thủ tục %d", i+1),
			Field: fmt.Sprintf("Lĩnh vực %d", i%20+1), LegalDays: i % 16}
	}
	return ps
}

// Config says what to generate. Zero fields take the synthetic province's
// defaults.
type Config struct {
	// Ratings is how many ratings to generate over the period.
	Ratings int
	Seed    uint64
	// Units and Procedures are the province's; nil is Units() and
	// Procedures(). Ratings are given at the centres in force each day.
	Units      []hierarchy.Unit
	Procedures []procedure.Procedure
	// From and To bound the days rated, both included; zero is Start and
	// End.
	From, To hailong.Date
	// Officials and Counters are how many each centre has at most; zero is
	// 12 officials and 5 counters.
	Officials, Counters int
	// Quiet are centres rated so rarely that their measures stay below the
	// minimum sample; nil makes one centre in ten quiet.
	Quiet []string
	// Progress, if set, hears how many ratings are done every 100,000.
	Progress func(done int)
}

// Sink takes what the generator makes, in batches.
type Sink interface {
	Ratings(ctx context.Context, rs []hailong.Rating) error
	Outcomes(ctx context.Context, os []hailong.Outcome) error
}

// centre is one centre's character: when it is in force, how busy and how
// good it is, whose officials and counters work there.
type centre struct {
	code        string
	from, until hailong.Date // until exclusive, 0 while in force
	weight      float64      // share of the day's ratings
	quality     float64      // share satisfied, before trend and dips
	dip         hailong.Date // first day of a bad month, 0 for none
	officials   []string
	skill       []float64 // each official's effect on satisfaction
	counters    []string
	procedures  []int // indexes of the procedures it handles
}

// Generate makes cfg.Ratings ratings, about one in ten with a dossier whose
// outcome the one-stop software reports, and hands them to sink.
func Generate(ctx context.Context, cfg Config, sink Sink) error {
	cfg = withDefaults(cfg)
	rng := rand.New(rand.NewPCG(cfg.Seed, 2025))
	centres := centresOf(cfg, rng)
	if len(centres) == 0 {
		return fmt.Errorf("synth: no centre in force between %s and %s", cfg.From, cfg.To)
	}
	procs := cfg.Procedures
	ease := make([]float64, len(procs)) // some procedures go worse than others
	for i := range ease {
		ease[i] = rng.NormFloat64() * 0.04
	}
	days := int(cfg.To - cfg.From + 1)
	// Each day's centres, with cumulative weights to draw from.
	type open struct {
		idx []int
		cum []float64
	}
	byDay := map[string]*open{}
	openOn := func(d hailong.Date) *open {
		key := ""
		for i, c := range centres {
			if c.from <= d && (c.until == 0 || d < c.until) {
				key += fmt.Sprint(i, ",")
			}
		}
		if o, ok := byDay[key]; ok {
			return o
		}
		o := &open{}
		sum := 0.0
		for i, c := range centres {
			if c.from <= d && (c.until == 0 || d < c.until) {
				sum += c.weight
				o.idx, o.cum = append(o.idx, i), append(o.cum, sum)
			}
		}
		byDay[key] = o
		return o
	}
	dayOpen := make([]*open, days)
	for i := range dayOpen {
		dayOpen[i] = openOn(cfg.From + hailong.Date(i))
	}
	// Days in order, as ratings arrive (the rollups are quickest so), each
	// with its share of the ratings: weekdays busy, Saturday mornings less,
	// Sundays hardly, and a fifth more at the end of the period than at
	// its start.
	share := make([]float64, days+1)
	for di := range days {
		d := cfg.From + hailong.Date(di)
		w := 1 + 0.2*float64(di)/float64(days)
		switch d.Start().In(hailong.Location).Weekday() {
		case time.Saturday:
			w *= 0.3
		case time.Sunday:
			w *= 0.03
		}
		share[di+1] = share[di] + w
	}
	const batch = 500
	ratings := make([]hailong.Rating, 0, batch)
	var reports []hailong.Outcome
	i := 0
	for di := range days {
		d := cfg.From + hailong.Date(di)
		o := dayOpen[di]
		upto := int(math.Round(float64(cfg.Ratings) * share[di+1] / share[days]))
		if len(o.idx) == 0 {
			continue
		}
		for ; i < upto; i++ {
			x := rng.Float64() * o.cum[len(o.cum)-1]
			ci := o.idx[min(sort(o.cum, x), len(o.idx)-1)]
			c := &centres[ci]
			at := d.Start().Add(time.Duration(7*3600+rng.IntN(10*3600)) * time.Second).UTC()
			oi, pi := rng.IntN(len(c.officials)), c.procedures[rng.IntN(len(c.procedures))]
			p := c.quality + trend(d, cfg.From) + c.skill[oi] + ease[pi] - dips(d, c.dip)
			r := hailong.Rating{ID: newID(rng, at), Channel: hailong.ChannelKiosk, Unit: c.code, Kiosk: "synth-" + c.code, At: at,
				Submission: hailong.Submission{Version: 1, Procedure: procs[pi].Code, Official: c.officials[oi],
					Counter: c.counters[rng.IntN(len(c.counters))]}}
			// QR links grow from one rating in ten to one in three.
			if rng.Float64() < 0.1+0.2*float64(di)/float64(days) {
				r.Channel, r.Kiosk = hailong.ChannelQR, ""
			}
			satisfied := rng.Float64() < p
			if rng.IntN(6) == 0 {
				r.Questionnaire, r.Answers = "sipas", sipas(rng, satisfied)
			} else {
				r.Questionnaire, r.Answers = "counter-quick", counterQuick(rng, satisfied)
				if rng.IntN(10) == 0 {
					r.Dossier = fmt.Sprintf("H%02d.%04d-%s-%07d", cfg.Seed%100, ci, at.In(hailong.Location).Format("060102"), i)
					reports = append(reports, outcomeOf(rng, &r, d, procs[pi].LegalDays, satisfied))
				}
			}
			if rng.IntN(12) == 0 {
				r.Answers["comment"] = hailong.Str(comment(rng, satisfied))
			}
			ratings = append(ratings, r)
			if len(ratings) == batch {
				if err := sink.Ratings(ctx, ratings); err != nil {
					return err
				}
				ratings = ratings[:0]
			}
			if len(reports) == 1000 {
				if err := sink.Outcomes(ctx, reports); err != nil {
					return err
				}
				reports = reports[:0]
			}
			if cfg.Progress != nil && (i+1)%100_000 == 0 {
				cfg.Progress(i + 1)
			}
		}
	}
	if len(ratings) > 0 {
		if err := sink.Ratings(ctx, ratings); err != nil {
			return err
		}
	}
	if len(reports) > 0 {
		return sink.Outcomes(ctx, reports)
	}
	return nil
}

func withDefaults(cfg Config) Config {
	if cfg.Units == nil {
		cfg.Units = Units()
	}
	if cfg.Procedures == nil {
		cfg.Procedures = Procedures()
	}
	if cfg.From == 0 {
		cfg.From = Start
	}
	if cfg.To == 0 {
		cfg.To = End
	}
	if cfg.Officials <= 0 {
		cfg.Officials = 12
	}
	if cfg.Counters <= 0 {
		cfg.Counters = 5
	}
	return cfg
}

// centresOf gives every centre of the units its character.
func centresOf(cfg Config, rng *rand.Rand) []centre {
	var cs []centre
	official := 0
	for _, u := range cfg.Units {
		if u.Kind != hierarchy.Centre || (u.Until != 0 && u.Until <= cfg.From) || u.From > cfg.To {
			continue
		}
		c := centre{code: u.Code, from: u.From, until: u.Until,
			weight:  math.Exp(rng.NormFloat64() * 0.5),
			quality: 0.70 + 0.22*rng.Float64()}
		if rng.IntN(4) == 0 { // a bad month: a broken kiosk, a short-staffed desk
			c.dip = cfg.From + hailong.Date(rng.IntN(int(cfg.To-cfg.From+1)))
		}
		n := cfg.Officials/2 + rng.IntN(cfg.Officials/2+1)
		for k := 0; k < max(n, 1); k++ {
			c.officials = append(c.officials, fmt.Sprintf("cb-%04d", official))
			official++
			c.skill = append(c.skill, rng.NormFloat64()*0.04)
		}
		c.skill[rng.IntN(len(c.skill))] -= 0.15 // every centre has its weakest official
		for k := 0; k < 2+rng.IntN(max(cfg.Counters-1, 1)); k++ {
			c.counters = append(c.counters, fmt.Sprintf("Q%d", k+1))
		}
		// A centre handles a share of the catalogue, at least a few.
		share := max(len(cfg.Procedures)/3, min(len(cfg.Procedures), 4))
		c.procedures = rng.Perm(len(cfg.Procedures))[:share]
		cs = append(cs, c)
	}
	// A quiet centre gets about one rating in five days, whatever the
	// size of the province: below the minimum sample of a quarter.
	days := float64(cfg.To - cfg.From + 1)
	open, weight := 0.0, 0.0
	for _, c := range cs {
		in := float64(min(c.until-1, cfg.To)-max(c.from, cfg.From)+1) / days
		if c.until == 0 {
			in = float64(cfg.To-max(c.from, cfg.From)+1) / days
		}
		open, weight = open+in, weight+in*c.weight
	}
	quietWeight := weight / open * 0.2 / (float64(cfg.Ratings) / days / open)
	for i := range cs {
		quiet := i%10 == 9
		if cfg.Quiet != nil {
			quiet = slices.Contains(cfg.Quiet, cs[i].code)
		}
		if quiet {
			cs[i].weight = quietWeight
		}
	}
	return cs
}

// sort returns the first index whose cumulative weight exceeds x.
func sort(cum []float64, x float64) int {
	i, _ := slices.BinarySearch(cum, x)
	return i
}

// trend is how much better citizens rate as years pass: three points a
// year.
func trend(d, from hailong.Date) float64 { return 0.03 * float64(d-from) / 365 }

// dips lowers satisfaction after the merger (new centres, new staff, new
// software: seven points in July 2025, recovering by October) and in a
// centre's bad month.
func dips(d, bad hailong.Date) float64 {
	v := 0.0
	if since := int(d - Merger); since >= 0 && since < 92 {
		v += 0.07 * float64(92-since) / 92
	}
	if bad != 0 && d >= bad && d < bad+30 {
		v += 0.15
	}
	return v
}

// counterQuick answers the quick questionnaire: the headline, and the
// Circular 01 questions, worse when the citizen is not satisfied.
func counterQuick(rng *rand.Rand, satisfied bool) hailong.Answers {
	overall, good := 1, 0.45
	if satisfied {
		overall, good = 2+rng.IntN(2), 0.9
	}
	score := func() hailong.Answer {
		switch x := rng.Float64(); {
		case x < good*0.6:
			return hailong.Int(2)
		case x < good+0.05:
			return hailong.Int(1)
		}
		return hailong.Int(0)
	}
	return hailong.Answers{"overall": hailong.Int(overall), "result_time": score(), "contacts": score(),
		"agencies": score(), "attitude": score()}
}

// sipasStatements are the SIPAS-style questionnaire's statements, with how
// far each is rated below the overall answer: fees and the handling of
// feedback are rated lowest, as in the national surveys.
var sipasStatements = []struct {
	id   string
	bias float64
}{
	{"access_signs", 0}, {"access_seats", 0.1}, {"access_equipment", 0.3},
	{"proc_posted", 0}, {"proc_documents", 0.3}, {"proc_fees", 0.5}, {"proc_time", 0.4},
	{"off_polite", -0.1}, {"off_guidance", 0}, {"off_rules", 0.1},
	{"res_ontime", 0.3}, {"res_accurate", 0}, {"res_fair", 0.1},
	{"fb_channel", 0.5}, {"fb_handled", 0.7}, {"fb_announced", 0.8},
}

// sipas answers the SIPAS-style questionnaire on its five-point scale.
func sipas(rng *rand.Rand, satisfied bool) hailong.Answers {
	overall := 1 + rng.IntN(3)
	if satisfied {
		overall = 4 + rng.IntN(2)
	}
	a := hailong.Answers{"overall": hailong.Int(overall), "improve_first": hailong.Int(1 + rng.IntN(5))}
	for _, s := range sipasStatements {
		if rng.IntN(20) == 0 {
			continue // left unanswered
		}
		v := int(math.Round(float64(overall) - s.bias + rng.NormFloat64()*0.7))
		a[s.id] = hailong.Int(min(max(v, 1), 5))
	}
	return a
}

// outcomeOf is the one-stop software's report of a rated dossier: received
// some days before the rating, due by the procedure's legal time, returned
// the day of the rating, late more often when the citizen was not
// satisfied.
func outcomeOf(rng *rand.Rand, r *hailong.Rating, d hailong.Date, legal int, satisfied bool) hailong.Outcome {
	late := rng.Float64() < 0.04
	if !satisfied {
		late = rng.Float64() < 0.3
	}
	received := d - hailong.Date(legal)
	if late {
		received -= hailong.Date(1 + rng.IntN(5))
	}
	returned := d
	idx := func() int {
		if satisfied || rng.IntN(2) == 0 {
			return 1 + rng.IntN(2)
		}
		return rng.IntN(2)
	}
	return hailong.Outcome{Dossier: r.Dossier, Unit: r.Unit, Procedure: r.Procedure, Official: r.Official, Counter: r.Counter,
		Received: received, Due: received + hailong.Date(legal), Returned: &returned, Complaints: rng.IntN(60) / 59,
		Indices: map[string]int{"2": idx(), "5": idx(), "6": 2, "8": idx(), "9": idx()}}
}

// Citizens' comments, as they are written at the counters: short, some
// without diacritics, praise and complaints about the same things.
var (
	praise = []string{
		"Cán bộ hướng dẫn tận tình, chu đáo. Cảm ơn!",
		"Làm thủ tục nhanh, chỉ mất 15 phút.",
		"Nhân viên vui vẻ, giải thích rõ ràng từng bước.",
		"Trả kết quả sớm hơn hẹn một ngày, rất hài lòng.",
		"Phòng chờ sạch sẽ, có nước uống, có chỗ ngồi.",
		"Không phải đi lại nhiều lần, hồ sơ được nhận ngay.",
		"Lấy số thứ tự tự động, không phải chen lấn.",
		"Chị ở quầy số 2 rất nhiệt tình hướng dẫn người già.",
		"Thủ tục đơn giản hơn trước nhiều.",
		"Được hướng dẫn nộp hồ sơ trực tuyến, tiện lợi.",
		"can bo nhiet tinh, lam nhanh",
		"Mọi việc đều đúng hẹn, cảm ơn trung tâm.",
	}
	complaints = []string{
		"Chờ hơn một tiếng mới đến lượt.",
		"Phải bổ sung giấy tờ ba lần vì mỗi lần hướng dẫn một khác.",
		"Trả kết quả trễ hẹn mà không báo trước.",
		"Cán bộ trả lời cộc lốc, không giải thích.",
		"Máy lấy số bị hỏng, mọi người phải xếp hàng.",
		"Không có chỗ gửi xe, phải gửi bên ngoài mất tiền.",
		"Hệ thống mạng chậm, nhập mãi không được.",
		"Đề nghị niêm yết rõ phí, lệ phí.",
		"Sau sáp nhập phải đi xa hơn, nên có điểm tiếp nhận ở xã cũ.",
		"Quầy đông người nhưng chỉ có một cán bộ làm việc.",
		"phai cho lau qua",
		"Nộp trực tuyến rồi vẫn phải mang bản giấy lên.",
	}
)

// comment is a citizen's comment in keeping with their answer.
func comment(rng *rand.Rand, satisfied bool) string {
	if satisfied == (rng.IntN(10) != 0) {
		return praise[rng.IntN(len(praise))]
	}
	return complaints[rng.IntN(len(complaints))]
}

// newID makes a UUIDv7 from the rating's time and the generator, so that
// a seed always gives the same ratings.
func newID(rng *rand.Rand, at time.Time) string {
	var b [16]byte
	ms := uint64(at.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	r1, r2 := rng.Uint64(), rng.Uint64()
	for i := 6; i < 16; i++ {
		if i < 11 {
			b[i] = byte(r1 >> (8 * (i - 6)))
		} else {
			b[i] = byte(r2 >> (8 * (i - 11)))
		}
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
