package outcomes_test

import (
	"testing"

	"hailong"
	"hailong/aggregator/outcomes"
)

// TestMonthsChangedPastTheBudgetMakeASaveDue: a flag of a cold month reads
// it and changes its entry, so the month cannot be dropped until saved; a
// process saves at its stop, so flags of old months over a long uptime
// held every month they reached (a hostile review found it). Past a
// quarter over the budget a save is due (the app checks each minute), and
// once saved the months are dropped again.
func TestMonthsChangedPastTheBudgetMakeASaveDue(t *testing.T) {
	ctx := t.Context()
	mem := &memStore{}
	b, err := outcomes.Load(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	var ds []hailong.Outcome
	for m := 1; m <= 6; m++ {
		ds = append(ds, monthDossier(m, 0, false), monthDossier(m, 1, false))
	}
	if _, err := b.Report(ctx, ds, anyUnit); err != nil {
		t.Fatal(err)
	}
	if saved, err := b.Compact(ctx); err != nil || !saved {
		t.Fatal(saved, err)
	}
	if b, err = outcomes.Load(ctx, mem); err != nil {
		t.Fatal(err)
	}
	b.SetEntryBudget(2)
	for _, d := range ds {
		if d.Dossier[len(d.Dossier)-4:] == "0000" {
			mem.AddDossierFlags(ctx, []string{d.Dossier})
			b.MarkUnhappy([]string{d.Dossier})
		}
	}
	// a report, which evicts (b.write held)
	late := monthDossier(6, 2, false)
	if _, err := b.Report(ctx, []hailong.Outcome{late}, anyUnit); err != nil {
		t.Fatal(err)
	}
	if !b.SaveDue() {
		t.Fatalf("%d dossiers held, every month changed, with a budget of 2: no save due", b.Resident())
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if r := b.Resident(); r > 2 || b.SaveDue() {
		t.Errorf("after the save: %d dossiers held with a budget of 2, a save due: %v", r, b.SaveDue())
	}
}
