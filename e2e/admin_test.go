package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// call sends a request with the given Authorization header and returns
// the status and body.
func call(t *testing.T, method, u, auth, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// enrolAPI enrols a kiosk through the API and returns its credential.
func enrolAPI(t *testing.T, base, auth, id, unit string) (int, syncapi.Credential) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"id": id, "unit": unit})
	status, out := call(t, "POST", base+"/api/v1/kiosks", auth, "application/json", b)
	if status != 201 {
		return status, syncapi.Credential{}
	}
	var got struct{ Credential string }
	json.Unmarshal(out, &got)
	return status, parseCred(t, got.Credential)
}

// upload sends an empty upload with a kiosk credential: the status says
// whether the aggregator accepts the credential.
func upload(t *testing.T, base string, cred syncapi.Credential) int {
	t.Helper()
	_, err := kioskClient(base, cred).Sync(t.Context(), syncapi.Request{Ratings: []hailong.Rating{}})
	return statusOf(t, err)
}

// TestKioskFleetAdministeredWhileRunning: a kiosk enrolled through the API
// uploads at once; revoked, or rotated, its old credential is refused on
// its very next request, with no restart (the registry's cache would
// otherwise accept it for up to a minute); a commune's admin enrols only
// in the commune.
func TestKioskFleetAdministeredWhileRunning(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	base := agg.URL()
	admin := makeToken(t, agg.Access(), "adm-province", hailong.RoleAdmin, "24")
	commune := makeToken(t, agg.Access(), "adm-kinhbac", hailong.RoleAdmin, "09190")

	t.Run("commune admin enrols in the commune only", func(t *testing.T) {
		if status, _ := enrolAPI(t, base, commune, "kiosk-other", "TT-09250"); status != 403 {
			t.Fatalf("enrol in another commune: %d, want 403", status)
		}
		if status, _ := enrolAPI(t, base, commune, "kiosk-own", "TT-09190"); status != 201 {
			t.Fatalf("enrol in its commune: %d, want 201", status)
		}
		// Nor revoke or rotate another scope's kiosk: as if it did not exist.
		if status, _ := enrolAPI(t, base, admin, "kiosk-tuson", "TT-09250"); status != 201 {
			t.Fatalf("province admin: %d", status)
		}
		for _, verb := range []string{"revoke", "rotate"} {
			if status, b := call(t, "POST", base+"/api/v1/kiosks/kiosk-tuson/"+verb, commune, "application/json", nil); status != 404 {
				t.Errorf("%s another commune's kiosk: %d %s", verb, status, b)
			}
		}
	})

	status, cred := enrolAPI(t, base, admin, "kiosk-api", centre)
	if status != 201 {
		t.Fatalf("enrol: %d", status)
	}
	k := startKiosk(t, t.TempDir(), base, cred, centre)
	defer k.Close()
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})
	waitSynced(t, k.URL(), 1)

	t.Run("rotate", func(t *testing.T) {
		// A link the kiosk signed before the rotation.
		key, _ := qrtoken.KeyFromSecret(cred.Secret)
		claims := qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "kiosk-api", Unit: centre, Dossier: "H15.50.05.13-261008-0975", Procedure: "1.004122", Expires: time.Now().Add(time.Hour)}
		before, _ := qrtoken.Sign(key, claims)
		if status, _ := newPhone(t).get(base + "/r/" + before); status != 200 {
			t.Fatalf("link before rotation: %d", status)
		}
		status, out := call(t, "POST", base+"/api/v1/kiosks/kiosk-api/rotate", admin, "application/json", []byte(`{}`))
		if status != 200 {
			t.Fatalf("rotate: %d %s", status, out)
		}
		var got struct{ Credential string }
		json.Unmarshal(out, &got)
		rotated := parseCred(t, got.Credential)
		if st := upload(t, base, cred); st != 401 {
			t.Errorf("old credential after rotation: %d, want 401", st)
		}
		if st := upload(t, base, rotated); st != 200 {
			t.Errorf("new credential: %d, want 200", st)
		}
		// The QR key derives from the secret: links signed before the
		// rotation no longer verify; the new key's do.
		if status, page := newPhone(t).get(base + "/r/" + before); status != 403 || !strings.Contains(page, "không hợp lệ") {
			t.Errorf("link signed before the rotation: %d, want 403", status)
		}
		newKey, _ := qrtoken.KeyFromSecret(rotated.Secret)
		claims.Dossier = "H15.50.05.13-261008-0976"
		after, _ := qrtoken.Sign(newKey, claims)
		if status, _ := newPhone(t).get(base + "/r/" + after); status != 200 {
			t.Errorf("link signed after the rotation: %d, want 200", status)
		}
		// The real kiosk, given the new credential, uploads again.
		k.Close()
		k = startKiosk(t, t.TempDir(), base, rotated, centre)
		rate(t, k.URL(), rating{Answers: map[string]any{"overall": 2}})
		waitSynced(t, k.URL(), 1)
		cred = rotated
	})

	t.Run("revoke", func(t *testing.T) {
		if status, b := call(t, "POST", base+"/api/v1/kiosks/kiosk-api/revoke", admin, "application/json", nil); status != 204 {
			t.Fatalf("revoke: %d %s", status, b)
		}
		if st := upload(t, base, cred); st != 403 {
			t.Errorf("revoked kiosk's next upload: %d, want 403", st)
		}
		if status, _ := call(t, "POST", base+"/api/v1/kiosks/kiosk-api/rotate", admin, "application/json", nil); status != 404 {
			t.Errorf("rotate a revoked kiosk: %d, want 404", status)
		}
	})

	t.Run("audit", func(t *testing.T) {
		evs, err := agg.Access().AuditLog(t.Context(), nil, time.Now().Add(-time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range evs {
			seen[e.Action+" "+e.Target+" "+map[bool]string{true: "ok", false: "refused"}[e.OK]] = e.Addr != ""
		}
		for _, want := range []string{"kiosk.add kiosk kiosk-api ok", "kiosk.rotate kiosk kiosk-api ok", "kiosk.revoke kiosk kiosk-api ok", "kiosk.add kiosk kiosk-other refused"} {
			if !seen[want] {
				t.Errorf("no audit event %q (with an address) in %v", want, seen)
			}
		}
	})

	t.Run("clients", func(t *testing.T) {
		b, _ := json.Marshal(map[string]string{"id": "motcua-1", "unit": "09190"})
		status, out := call(t, "POST", base+"/api/v1/clients", commune, "application/json", b)
		if status != 201 {
			t.Fatalf("enrol client: %d %s", status, out)
		}
		var got struct{ Credential string }
		json.Unmarshal(out, &got)
		report := func() int {
			st, _ := postJSON(t, base+"/api/v1/outcomes", map[string]any{"outcomes": []any{}}, http.Header{"Authorization": {"Bearer " + got.Credential}})
			return st
		}
		if st := report(); st != 200 {
			t.Fatalf("client reports: %d", st)
		}
		var list []struct{ ID string }
		status, out = call(t, "GET", base+"/api/v1/clients", commune, "", nil)
		json.Unmarshal(out, &list)
		if status != 200 || len(list) != 1 || list[0].ID != "motcua-1" {
			t.Fatalf("list: %d %s", status, out)
		}
		if status, _ := call(t, "POST", base+"/api/v1/clients/motcua-1/revoke", commune, "application/json", nil); status != 204 {
			t.Fatalf("revoke client: %d", status)
		}
		if st := report(); st != 403 {
			t.Errorf("revoked client: %d, want 403", st)
		}
	})
}

const demoUnits = "../assets/units/demo.csv"

// TestImportsAndTargetsTakeEffectLive: units, procedures and targets
// changed through the API are used by the very next query, with no
// restart; a file with bad lines changes nothing.
func TestImportsAndTargetsTakeEffectLive(t *testing.T) {
	dir := t.TempDir()
	agg := startAggregator(t, dir, "127.0.0.1:0")
	base := agg.URL()
	admin := makeToken(t, agg.Access(), "adm-province", hailong.RoleAdmin, "24")
	commune := makeToken(t, agg.Access(), "adm-tuson", hailong.RoleAdmin, "09250")
	tuson := makeToken(t, agg.Access(), "analyst-tuson", hailong.RoleAnalyst, "09250")
	demo, err := os.ReadFile(demoUnits)
	if err != nil {
		t.Fatal(err)
	}
	unitsWith := func(parent string) []byte {
		return append(append([]byte{}, demo...), []byte("TT-NEW,Điểm tiếp nhận mới,centre,"+parent+",2025-07-01,,\n")...)
	}
	measures := func(auth, query string) (int, []byte) {
		return call(t, "GET", base+"/api/v1/measures?"+query, auth, "", nil)
	}
	day := today()

	t.Run("bad units change nothing", func(t *testing.T) {
		bad := append(append([]byte{}, demo...), []byte("TT-NEW,,centre,09250,2025-07-01,,\nX Y,Tên,planet,24,2025-13-01,,\n")...)
		status, out := call(t, "POST", base+"/api/v1/units/import", admin, "text/csv", bad)
		if status != 400 {
			t.Fatalf("bad file: %d %s", status, out)
		}
		for _, want := range []string{"line 21: name", "line 22: code", "line 22: kind", "line 22: valid_from", "nothing was imported"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the answer lacks %q: %s", want, out)
			}
		}
		if _, out := call(t, "GET", base+"/api/v1/units", admin, "", nil); strings.Contains(string(out), "TT-NEW") {
			t.Fatal("a bad file changed the units")
		}
	})
	t.Run("a commune admin cannot import", func(t *testing.T) {
		if status, _ := call(t, "POST", base+"/api/v1/units/import", commune, "text/csv", unitsWith("09250")); status != 403 {
			t.Fatalf("status %d, want 403", status)
		}
	})
	t.Run("good units are used at once", func(t *testing.T) {
		if status, _ := measures(tuson, q("unit", "TT-NEW", "from", day, "to", day)); status != 404 {
			t.Fatalf("before: %d, want 404", status)
		}
		status, out := call(t, "POST", base+"/api/v1/units/import", admin, "text/csv", unitsWith("09250"))
		if status != 200 || !strings.Contains(string(out), `"imported":20`) {
			t.Fatalf("import: %d %s", status, out)
		}
		if _, out := call(t, "GET", base+"/api/v1/units", admin, "", nil); !strings.Contains(string(out), "TT-NEW") {
			t.Fatal("the new unit is not listed")
		}
		if status, out := measures(tuson, q("unit", "TT-NEW", "from", day, "to", day)); status != 200 {
			t.Fatalf("in scope after the import: %d %s", status, out)
		}
		// Moved to another commune by a second import (a multipart
		// upload): out of the analyst's scope at once.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "units.csv")
		fw.Write(unitsWith("09190"))
		mw.Close()
		if status, out := call(t, "POST", base+"/api/v1/units/import", admin, mw.FormDataContentType(), body.Bytes()); status != 200 {
			t.Fatalf("multipart import: %d %s", status, out)
		}
		if status, _ := measures(tuson, q("unit", "TT-NEW", "from", day, "to", day)); status != 403 {
			t.Fatalf("moved out of scope: %d, want 403", status)
		}
	})

	t.Run("procedures are used at once", func(t *testing.T) {
		cred := enrol(t, agg, "kiosk-p", centre)
		k := startKiosk(t, t.TempDir(), base, cred, centre)
		defer k.Close()
		rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}, Procedure: "1.004227"})
		waitSynced(t, k.URL(), 1)
		// A dossier's outcome of the procedure, as a one-stop client reports it.
		d := hailong.DateOf(time.Now())
		if _, err := agg.Outcomes().Report(t.Context(), []hailong.Outcome{{Dossier: "H15.50.05.13-261008-0975", Unit: centre, Procedure: "1.004227",
			Received: d, Due: d, Returned: &d}}, func(string) bool { return true }); err != nil {
			t.Fatal(err)
		}
		query := q("unit", "24", "from", day, "to", day, "field", "Khai sinh")
		if status, _ := measures(admin, query); status != 400 {
			t.Fatalf("unknown field before: %d, want 400", status)
		}
		procs, err := os.ReadFile("../assets/procedures/demo.csv")
		if err != nil {
			t.Fatal(err)
		}
		moved := strings.Replace(string(procs), "1.004227,Đăng ký khai sinh,Hộ tịch,", "1.004227,Đăng ký khai sinh,Khai sinh,", 1)
		if status, out := call(t, "POST", base+"/api/v1/procedures/import", admin, "text/csv", []byte("code,name\n1,x\n")); status != 400 || !strings.Contains(string(out), "line 1") {
			t.Fatalf("bad catalogue: %d %s", status, out)
		}
		if status, out := call(t, "POST", base+"/api/v1/procedures/import", admin, "text/csv", []byte(moved)); status != 200 {
			t.Fatalf("import: %d %s", status, out)
		}
		status, out := measures(admin, query)
		var m struct {
			Satisfaction struct{ N int64 }
			Decision766  struct{ Dossiers int64 }
		}
		json.Unmarshal(out, &m)
		if status != 200 || m.Satisfaction.N != 1 || m.Decision766.Dossiers != 1 {
			t.Fatalf("by the new field: %d ratings %d, dossiers %d", status, m.Satisfaction.N, m.Decision766.Dossiers)
		}
	})

	putTargets := func(auth, body string) (int, []byte) {
		return call(t, "PUT", base+"/api/v1/targets", auth, "application/json", []byte(body))
	}
	t.Run("targets", func(t *testing.T) {
		if status, out := putTargets(admin, `[{"measure":"satisfaction","target":1.5,"by":2030,"source":"x"}]`); status != 400 {
			t.Fatalf("bad targets: %d %s", status, out)
		}
		if status, _ := putTargets(commune, `[]`); status != 403 {
			t.Fatalf("commune admin: %d, want 403", status)
		}
		if status, out := putTargets(admin, `[{"measure":"satisfaction","target":0.8,"by":2099,"source":"Kế hoạch thử"}]`); status != 200 {
			t.Fatalf("put: %d %s", status, out)
		}
		_, out := measures(admin, q("unit", "24", "from", day, "to", day))
		var m struct {
			Targets []struct {
				Measure, Source string
				Target          float64
			}
		}
		json.Unmarshal(out, &m)
		if len(m.Targets) != 1 || m.Targets[0].Target != 0.8 || m.Targets[0].Source != "Kế hoạch thử" {
			t.Fatalf("measures show targets %+v", m.Targets)
		}
	})

	// Everything outlives a restart.
	agg.Close()
	agg = startAggregator(t, dir, "127.0.0.1:0")
	defer agg.Close()
	admin = makeToken(t, agg.Access(), "adm-province", hailong.RoleAdmin, "24")
	status, out := call(t, "GET", agg.URL()+"/api/v1/targets", admin, "", nil)
	if status != 200 || !strings.Contains(string(out), "Kế hoạch thử") {
		t.Errorf("targets after a restart: %d %s", status, out)
	}
	if _, out := call(t, "GET", agg.URL()+"/api/v1/units", admin, "", nil); !strings.Contains(string(out), "TT-NEW") {
		t.Error("units after a restart lack the import")
	}
}

// TestActsOnEverythingServedNeedAScopeOfEverything: once one aggregator
// serves two provinces, the admin of one (whose scope is a top-level unit
// too) may no longer import units or procedures, set the targets, switch
// the public page, change the rules over every unit, or read other
// provinces' people's events: an import re-parenting the other province's
// commune under theirs gave them its figures, comments and users. Their
// own province's acts still work; while the aggregator served theirs
// alone, the same admin could do all of it.
func TestActsOnEverythingServedNeedAScopeOfEverything(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	base := agg.URL()
	admin24 := makeToken(t, agg.Access(), "adm-24", hailong.RoleAdmin, "24")
	demo, err := os.ReadFile(demoUnits)
	if err != nil {
		t.Fatal(err)
	}
	withUnits := func(lines string) []byte { return append(append([]byte{}, demo...), lines...) }
	province48 := "48,Thành phố Đà Nẵng,province,,2025-07-01,,\n48001,Phường Hải Châu,commune,48,2025-07-01,,\n"
	if st, out := call(t, "POST", base+"/api/v1/units/import", admin24, "text/csv", withUnits(province48)); st != 200 {
		t.Fatalf("while province 24 is all it serves, its admin imports a second province: %d %s", st, out)
	}
	admin48 := makeToken(t, agg.Access(), "adm-48", hailong.RoleAdmin, "48")
	// An event of province 48's people, which 24's admin must not read.
	if st, out := call(t, "POST", base+"/api/v1/users", admin48, "application/json", []byte(`{"username":"hai-chau","role":"analyst","scope":"48001"}`)); st != 201 {
		t.Fatalf("48's admin adds a user: %d %s", st, out)
	}
	stolen := "48,Thành phố Đà Nẵng,province,,2025-07-01,,\n48001,Phường Hải Châu,commune,24,2025-07-01,,\n"
	for _, tc := range []struct {
		name, method, path, contentType string
		body                            []byte
	}{
		{"re-parent the other province's commune", "POST", "/api/v1/units/import", "text/csv", withUnits(stolen)},
		{"import procedures", "POST", "/api/v1/procedures/import", "text/csv", []byte("code,name,field\n1.004227,Đăng ký khai sinh,Hộ tịch\n")},
		{"set the targets", "PUT", "/api/v1/targets", "application/json", []byte(`{"targets":[]}`)},
		{"disable a rule over every unit", "PATCH", "/api/v1/alert-rules/default-harassment", "application/json", []byte(`{"enabled":false}`)},
		{"make a rule over every unit", "POST", "/api/v1/alert-rules", "application/json",
			[]byte(`{"name":"mọi đơn vị","kind":"negative_share","unit":"","window_hours":168,"min_ratings":30,"threshold":0.3,"enabled":true}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, out := call(t, tc.method, base+tc.path, admin24, tc.contentType, tc.body)
			// A rule's unit is refused as its field (400), the rest as an act (403).
			if st != 403 && (st != 400 || !strings.Contains(string(out), `"field":"unit"`)) {
				t.Errorf("%d %s; want it refused", st, out)
			}
		})
	}
	if st, out := call(t, "GET", base+"/api/v1/measures?"+q("unit", "48001", "from", today(), "to", today()), admin24, "", nil); st != 403 {
		t.Errorf("24's admin reads 48001 after the refused import: %d %s", st, out)
	}
	if st, out := call(t, "GET", base+"/api/v1/audit", admin24, "", nil); st != 200 || strings.Contains(string(out), "hai-chau") || !strings.Contains(string(out), "adm-24") {
		t.Errorf("24's admin reads the events of 48's people, or not its own: %d %.500s", st, out)
	}
	if st, out := call(t, "POST", base+"/api/v1/alert-rules", admin24, "application/json",
		[]byte(`{"name":"tỉnh 24","kind":"negative_share","unit":"24","window_hours":168,"min_ratings":30,"threshold":0.3,"enabled":true}`)); st != 201 {
		t.Errorf("a rule over its own province: %d %s", st, out)
	}
}
