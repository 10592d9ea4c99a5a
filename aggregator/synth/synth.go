// Package synth generates a synthetic large province for load and scale
// tests: administrative units with a merger in the middle of the period, a
// procedure catalogue, officials, ratings through the real ingest path, and
// dossier outcomes. Everything follows from a seed, so runs compare.
package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/hierarchy"
	"hailong/procedure"
	"hailong/syncapi"
)

// Config sizes the province.
type Config struct {
	Ratings  int
	Seed     uint64
	Progress func(done int)
}

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

// Ingester is the write path ratings go through.
type Ingester interface {
	Import(ctx context.Context, rs []hailong.Rating) ([]syncapi.Result, error)
}

// Generate writes cfg.Ratings ratings over the two years, 3,000 officials
// spread over the centres, and an outcome for one rated dossier in ten.
func Generate(ctx context.Context, cfg Config, in Ingester, book *outcomes.Book) error {
	rng := rand.New(rand.NewPCG(cfg.Seed, 2025))
	var oldCentres, newCentres []string
	for _, u := range Units() {
		if u.Kind != hierarchy.Centre {
			continue
		}
		if u.From < Merger {
			oldCentres = append(oldCentres, u.Code)
		}
		if u.Until == 0 {
			newCentres = append(newCentres, u.Code)
		}
	}
	procs := Procedures()
	days := int(End - Start + 1)
	batches := map[string][]hailong.Rating{}
	var reports []hailong.Outcome
	flush := func(unit string) error {
		rs := batches[unit]
		if len(rs) == 0 {
			return nil
		}
		res, err := in.Import(ctx, rs)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Status != syncapi.Accepted {
				return fmt.Errorf("rating %s: %s %s", r.ID, r.Status, r.Reason)
			}
		}
		batches[unit] = rs[:0]
		return nil
	}
	for i := 0; i < cfg.Ratings; i++ {
		d := Start + hailong.Date(rng.IntN(days))
		centres := newCentres
		if d < Merger {
			centres = oldCentres
		}
		ci := rng.IntN(len(centres))
		unit := centres[ci]
		at := d.Start().Add(time.Duration(7*3600+rng.IntN(10*3600)) * time.Second).UTC()
		r := hailong.Rating{ID: newID(rng, at), Channel: hailong.ChannelKiosk, Unit: unit, Kiosk: "synth", At: at,
			Submission: hailong.Submission{Version: 1,
				Procedure: procs[rng.IntN(len(procs))].Code,
				Official:  fmt.Sprintf("cb-%04d", (ci*19+rng.IntN(19))%3000),
				Counter:   fmt.Sprintf("Q%d", 1+rng.IntN(5))}}
		if rng.IntN(5) == 0 {
			r.Channel = hailong.ChannelQR
		}
		if rng.IntN(7) == 0 {
			r.Questionnaire = "sipas"
			r.Answers = hailong.Answers{"overall": hailong.Int(2 + rng.IntN(4)), "access_signs": hailong.Int(1 + rng.IntN(5)),
				"off_polite": hailong.Int(2 + rng.IntN(4)), "res_ontime": hailong.Int(1 + rng.IntN(5))}
		} else {
			r.Questionnaire = "counter-quick"
			overall := 1
			if rng.IntN(100) < 86 {
				overall = 2 + rng.IntN(2)
			}
			r.Answers = hailong.Answers{"overall": hailong.Int(overall), "result_time": hailong.Int(rng.IntN(3)),
				"contacts": hailong.Int(1 + rng.IntN(2)), "attitude": hailong.Int(1 + rng.IntN(2))}
			if rng.IntN(10) == 0 {
				r.Dossier = fmt.Sprintf("SYN.%03d-%s-%06d", ci, at.In(hailong.Location).Format("060102"), i)
				ret := d + hailong.Date(rng.IntN(3))
				reports = append(reports, hailong.Outcome{Dossier: r.Dossier, Unit: unit, Procedure: r.Procedure, Official: r.Official,
					Received: d - 7, Due: d + 1, Returned: &ret, Complaints: rng.IntN(50) / 49,
					Indices: map[string]int{"2": rng.IntN(3), "5": 1 + rng.IntN(2), "6": 2, "8": 1 + rng.IntN(2), "9": rng.IntN(3)}})
			}
		}
		batches[unit] = append(batches[unit], r)
		if len(batches[unit]) == 200 {
			if err := flush(unit); err != nil {
				return err
			}
		}
		if len(reports) == 1000 {
			if _, err := book.Report(ctx, reports, func(string) bool { return true }); err != nil {
				return err
			}
			reports = reports[:0]
		}
		if cfg.Progress != nil && (i+1)%100000 == 0 {
			cfg.Progress(i + 1)
		}
	}
	for unit := range batches {
		if err := flush(unit); err != nil {
			return err
		}
	}
	if len(reports) > 0 {
		if _, err := book.Report(ctx, reports, func(string) bool { return true }); err != nil {
			return err
		}
	}
	return nil
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
