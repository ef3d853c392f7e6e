package handlers_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

func TestPortalInviteLinkWorksOnce(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		link, err := w.h.App.Portal.Invite(t.Context(), w.supA)
		apptest.Must(t, err)
		if n := w.h.Count("login_links", "token_hash = ?", strings.TrimPrefix(link, portal.LoginPath)); n != 0 {
			t.Fatal("the raw token is stored")
		}

		b := newPortalBrowser(t, w.h.URL)
		res, doc := b.get(link)
		if res.StatusCode != 200 || portalText(doc, "[data-testid=confirm-supplier]") != "Northwind & Sons" {
			t.Fatalf("invite page: %d %q", res.StatusCode, portalText(doc, "[data-testid=confirm-supplier]"))
		}
		if w.h.Count("login_links", "used_at IS NOT NULL") != 0 {
			t.Fatal("merely opening the link used it")
		}
		res = b.submit(doc, "[data-testid=confirm-sign-in]", nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/purchase-orders" {
			t.Fatalf("using the invite: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "consign_portal" {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/portal" {
			t.Fatalf("session cookie = %+v", session)
		}
		if n := w.h.Count("portal_sessions", "token_hash = ?", session.Value); n != 0 {
			t.Fatal("the raw session token is stored")
		}
		res, doc = b.get("/portal/purchase-orders")
		if res.StatusCode != 200 || portalText(doc, "[data-testid=supplier-name]") != "Northwind & Sons" {
			t.Fatalf("inbox after sign-in: %d %q", res.StatusCode, portalText(doc, "[data-testid=supplier-name]"))
		}

		// A second use, from another browser, is refused and opens nothing.
		other := newPortalBrowser(t, w.h.URL)
		res, doc = other.get(link)
		if res.StatusCode != http.StatusUnauthorized || doc.Find("[data-testid=error]").Length() != 1 {
			t.Errorf("used link page: %d", res.StatusCode)
		}
		res = other.post(link, nil)
		if res.StatusCode != http.StatusUnauthorized || other.cookies["consign_portal"] != nil {
			t.Errorf("second use: %d, cookies %v", res.StatusCode, other.cookies)
		}
		if res, _ := other.get("/portal/purchase-orders"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("inbox without a session: %d, want a redirect to sign in", res.StatusCode)
		}

		// Signing out ends the session server side, even for a kept cookie.
		kept := b.cookies["consign_portal"].Value
		_, doc = b.get("/portal/purchase-orders")
		if res := b.submit(doc, "[data-testid=sign-out]", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		b.cookies["consign_portal"] = &http.Cookie{Name: "consign_portal", Value: kept}
		if res, _ := b.get("/portal/purchase-orders"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a signed-out session still works: %d", res.StatusCode)
		}
	})
}

func TestPortalExpiredLinksAreRefused(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		ctx := t.Context()
		// Links made in the past by the same code, with a clock set back.
		past := func(ago time.Duration) *portal.Service {
			return &portal.Service{DB: w.h.App.DB, Log: w.h.App.Log, Now: func() time.Time { return time.Now().UTC().Add(-ago) }}
		}
		invite, err := past(portal.InviteTTL+time.Minute).Invite(ctx, w.supA)
		apptest.Must(t, err)
		_, _, err = w.h.App.Accounts.AddSupplier(ctx, w.h.RetailerID, accounts.SupplierInput{Name: "Mailed Co", Email: "ops@mailed.example"})
		apptest.Must(t, err)
		signIn, _, err := past(portal.SignInTTL+time.Minute).RequestSignIn(ctx, "OPS@mailed.example")
		apptest.Must(t, err)
		fresh, _, err := past(portal.SignInTTL-time.Minute).RequestSignIn(ctx, "ops@mailed.example")
		apptest.Must(t, err)
		for name, link := range map[string]string{"invite": invite, "sign-in": signIn} {
			b := newPortalBrowser(t, w.h.URL)
			b.get("/portal/sign-in") // for a CSRF cookie
			if res, _ := b.get(link); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("expired %s link page: %d", name, res.StatusCode)
			}
			if res := b.post(link, nil); res.StatusCode != http.StatusUnauthorized || b.cookies["consign_portal"] != nil {
				t.Errorf("expired %s link: %d", name, res.StatusCode)
			}
		}
		b := newPortalBrowser(t, w.h.URL)
		b.get("/portal/sign-in")
		if res := b.post(fresh, nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a 14-minute-old sign-in link: %d", res.StatusCode)
		}
	})
}

func TestPortalSignInRequestRevealsNothing(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		_, _, err := w.h.App.Accounts.AddSupplier(t.Context(), w.h.RetailerID, accounts.SupplierInput{Name: "Mailed Co", Email: "ops@mailed.example"})
		apptest.Must(t, err)
		var notices []string
		for _, email := range []string{"ops@mailed.example", "nobody@else.example"} {
			b := newPortalBrowser(t, w.h.URL)
			_, doc := b.get("/portal/sign-in")
			res := b.submit(doc, "button[type=submit].primary", url.Values{"email": {email}})
			if res.StatusCode != 200 {
				t.Fatalf("request for %s: %d", email, res.StatusCode)
			}
			notices = append(notices, portalText(b.doc(), "[data-testid=notice]"))
			if b.doc().Find("[data-testid=demo-link]").Length() != 0 {
				t.Error("serve shows the sign-in link on the page")
			}
		}
		if notices[0] == "" || notices[0] != notices[1] {
			t.Errorf("known and unknown addresses answered differently: %q", notices)
		}
		if n := w.h.Count("login_links", "purpose = ?", models.LinkSignIn); n != 1 {
			t.Errorf("sign-in links = %d, want 1", n)
		}
	})
}

func TestPortalPostWithoutCSRFTokenIs403(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		b := w.signIn(t, w.supA)
		for _, token := range []string{"", "forged"} {
			res := b.do(http.MethodPost, portalPOPath(w.poA.ID)+"/accept", url.Values{"_csrf": {token}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("accept with token %q: %d, want 403", token, res.StatusCode)
			}
			res = b.do(http.MethodPost, "/portal/api-keys", url.Values{})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("create key without a token: %d, want 403", res.StatusCode)
			}
		}
		// Signing out with the token works.
		if res := b.post("/portal/sign-out", nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("sign out with the token: %d", res.StatusCode)
		}
		if n := w.h.Count("purchase_orders", "state = ?", models.POSent); n != 2 {
			t.Errorf("a forged POST changed a PO: %d sent", n)
		}
		if n := w.h.Count("api_keys", "account_id = ?", w.supA); n != 1 {
			t.Errorf("a forged POST made a key: %d keys", n)
		}
	})
}

func TestPortalIsScopedToTheSupplier(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		b := w.signIn(t, w.supA)
		res, doc := b.get("/portal/purchase-orders")
		if res.StatusCode != 200 {
			t.Fatalf("inbox: %d", res.StatusCode)
		}
		var ids []string
		doc.Find("[data-testid=inbox-row]").Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-po-id", "")) })
		if !slices.Equal(ids, []string{fmt.Sprint(w.poA.ID)}) {
			t.Errorf("inbox rows %v, want only %d", ids, w.poA.ID)
		}
		foreign := portalPOPath(w.poB.ID)
		if res, _ := b.get(foreign); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET another supplier's PO: %d", res.StatusCode)
		}
		for _, action := range []struct {
			path string
			form url.Values
		}{
			{"/accept", nil},
			{"/reject", url.Values{"reason": {"no"}}},
			{"/lines", url.Values{"action": {"reject"}, "line_id": {fmt.Sprint(w.poB.Lines[0].ID)}, "reason": {"no"}}},
			{"/lines", url.Values{"action": {"accept"}, "line_id": {fmt.Sprint(w.poB.Lines[0].ID)}}},
			{"/shipments", url.Values{"carrier": {"UPS"}, "tracking_number": {"1Z"}, fmt.Sprintf("qty_%d", w.poB.Lines[0].ID): {"1"}}},
		} {
			if res := b.post(foreign+action.path, action.form); res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s on another supplier's PO: %d", action.path, res.StatusCode)
			}
		}
		// A line of another PO is not a line of this one.
		res = b.post(portalPOPath(w.poA.ID)+"/lines", url.Values{"action": {"reject"}, "line_id": {fmt.Sprint(w.poB.Lines[0].ID)}, "reason": {"x"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("rejecting a foreign line through my PO: %d", res.StatusCode)
		}
		var po models.PurchaseOrder
		apptest.Must(t, w.h.App.DB.Gorm.Preload("Lines").Take(&po, w.poB.ID).Error)
		if po.State != models.POSent || po.Lines[0].State != models.LineOpen || w.h.Count("shipments", "") != 0 {
			t.Errorf("another supplier's PO changed: %s %s", po.State, po.Lines[0].State)
		}
		// Another supplier's API key cannot be revoked from here.
		var keyB models.APIKey
		apptest.Must(t, w.h.App.DB.Gorm.Where("account_id = ?", w.supB).Take(&keyB).Error)
		if res := b.post(fmt.Sprintf("/portal/api-keys/%d/revoke", keyB.ID), nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("revoking another supplier's key: %d", res.StatusCode)
		}
		if code := portalAPIStatus(t, w.h.URL, w.keyB); code != 200 {
			t.Errorf("Blue Harbor's key after the attempt: %d", code)
		}
		// The CSV has only this supplier's POs.
		b.get("/portal/purchase-orders.csv")
		if strings.Contains(b.last, w.poB.Number) || !strings.Contains(b.last, w.poA.Number) {
			t.Errorf("export mixes suppliers:\n%s", b.last)
		}
	})
}

func TestPortalShowsUserStringsAsText(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		b := w.signIn(t, w.supA)
		_, doc := b.get(portalPOPath(w.poA.ID))
		var titles []string
		doc.Find("[data-testid=line-title]").Each(func(_ int, s *goquery.Selection) { titles = append(titles, s.Text()) })
		if !slices.Contains(titles, portalXSSTitle) {
			t.Errorf("line titles %q lack %q as text", titles, portalXSSTitle)
		}
		if doc.Find("script").Length() != 0 || strings.Contains(b.last, portalXSSTitle) {
			t.Error("the title was written as markup")
		}
		if !strings.Contains(b.last, "&lt;script&gt;") {
			t.Error("the title is not escaped")
		}
		// The supplier's name (with &) is text too.
		if portalText(doc, "[data-testid=supplier-name]") != "Northwind & Sons" {
			t.Errorf("supplier name %q", portalText(doc, "[data-testid=supplier-name]"))
		}
	})
}

func TestPortalLineRejectThenAcceptThenPartialShipments(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		b := w.signIn(t, w.supA)
		db := w.h.App.DB.Gorm
		stock := func() int {
			var it models.CatalogItem
			apptest.Must(t, db.Where("supplier_id = ? AND sku = ?", w.supA, "XSS-1").Take(&it).Error)
			return *it.Inventory
		}
		before := stock()

		// A reason is required.
		_, doc := b.get(portalPOPath(w.poA.ID))
		res := b.submit(doc, "[data-testid=reject-lines]", url.Values{"line_id": {fmt.Sprint(w.xssLine.ID)}})
		if res.StatusCode != http.StatusUnprocessableEntity || portalText(b.doc(), "[data-testid=error]") == "" {
			t.Fatalf("reject without reason: %d", res.StatusCode)
		}
		res = b.submit(doc, "[data-testid=reject-lines]", url.Values{"line_id": {fmt.Sprint(w.xssLine.ID)}, "reason": {"discontinued"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject a line: %d %s", res.StatusCode, b.last)
		}
		_, doc = b.get(res.Header.Get("Location"))
		if got := portalText(doc, "[data-testid=po-state]"); got != "Sent" {
			t.Errorf("PO state after rejecting one line: %q", got)
		}
		line := doc.Find(fmt.Sprintf("[data-line-id='%d']", w.xssLine.ID))
		if state := strings.TrimSpace(line.Find("[data-testid=line-state]").Text()); state != "Rejected" ||
			strings.TrimSpace(line.Find("[data-testid=line-reason]").Text()) != "discontinued" {
			t.Errorf("rejected line shows %q", line.Text())
		}
		if !strings.Contains(doc.Find("[data-testid=history]").Text(), "discontinued") {
			t.Error("the history does not say why")
		}
		if got := stock(); got != before+1 {
			t.Errorf("stock of the rejected item %d, want %d", got, before+1)
		}
		var order models.Order
		apptest.Must(t, db.Take(&order, w.orderStoreDB).Error)
		if order.State != models.OrderNeedsAttention || !strings.Contains(order.Attention, "discontinued") {
			t.Errorf("order %s %q", order.State, order.Attention)
		}

		// Accepting the other lines accepts the PO.
		var open []string
		doc.Find("[data-testid=line-select]").Each(func(_ int, s *goquery.Selection) { open = append(open, s.AttrOr("value", "")) })
		if len(open) != 2 {
			t.Fatalf("open lines to select: %v", open)
		}
		res = b.submit(doc, "[data-testid=accept-lines]", url.Values{"line_id": open})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept lines: %d", res.StatusCode)
		}
		_, doc = b.get(res.Header.Get("Location"))
		if got := portalText(doc, "[data-testid=po-state]"); got != "Accepted" {
			t.Fatalf("PO state after answering every line: %q", got)
		}

		// CSV export while open: one row per line with unshipped units.
		exp := b.do(http.MethodGet, "/portal/purchase-orders.csv", nil)
		if ct := exp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("export content type %q", ct)
		}
		recs, err := csv.NewReader(strings.NewReader(b.last)).ReadAll()
		apptest.Must(t, err)
		if len(recs) != 4 || !slices.Equal(recs[0], portal.ExportHeader) {
			t.Fatalf("export:\n%s", b.last)
		}
		col := func(name string) int { return slices.Index(portal.ExportHeader, name) }
		for _, r := range recs[1:] {
			if r[col("po_number")] != w.poA.Number || r[col("po_state")] != "accepted" || r[col("ship_to_city")] != "Portland" {
				t.Errorf("export row %v", r)
			}
			switch r[col("sku")] {
			case "XSS-1":
				if r[col("unshipped")] != "0" || r[col("line_state")] != "rejected" || r[col("title")] != portalXSSTitle {
					t.Errorf("rejected line row %v", r)
				}
			case w.multiLine.SKU:
				if r[col("quantity")] != "3" || r[col("unshipped")] != "3" || r[col("unit_cost")] != "150.00" {
					t.Errorf("line row %v", r)
				}
			}
		}

		// Ship one of three units: partially shipped, with the UPS link built.
		qty := url.Values{"carrier": {"UPS"}, "tracking_number": {"1Z999AA10123456784"}}
		for _, l := range w.poA.Lines {
			q := "0"
			if l.ID == w.multiLine.ID {
				q = "1"
			}
			qty.Set(fmt.Sprintf("qty_%d", l.ID), q)
		}
		res = b.submit(doc, "[data-testid=add-shipment]", qty)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("partial shipment: %d %s", res.StatusCode, portalText(b.doc(), "[data-testid=error]"))
		}
		_, doc = b.get(res.Header.Get("Location"))
		if got := portalText(doc, "[data-testid=po-state]"); got != "Partially shipped" {
			t.Errorf("PO state after a partial shipment: %q", got)
		}
		if href := doc.Find("[data-testid=tracking-link]").AttrOr("href", ""); href != "https://www.ups.com/track?tracknum=1Z999AA10123456784" {
			t.Errorf("tracking link %q", href)
		}
		// Shipping more than is left is refused, keeping what was typed.
		over := url.Values{"carrier": {"Other"}, "custom_carrier": {"Pigeon Post"}, "tracking_number": {"PIG-1"},
			fmt.Sprintf("qty_%d", w.multiLine.ID): {"3"}}
		res = b.submit(doc, "[data-testid=add-shipment]", over)
		if res.StatusCode != http.StatusUnprocessableEntity || b.doc().Find("#tracking-number").AttrOr("value", "") != "PIG-1" {
			t.Errorf("over-shipping: %d, form kept %q", res.StatusCode, b.doc().Find("#tracking-number").AttrOr("value", ""))
		}
		// The rest, with a carrier of the supplier's own and its URL.
		_, doc = b.get(portalPOPath(w.poA.ID))
		rest := url.Values{"carrier": {"Other"}, "custom_carrier": {"Pigeon Post"}, "tracking_number": {"PIG-2"},
			"tracking_url": {"https://pigeon.example/t/PIG-2"}}
		doc.Find("[data-testid=ship-qty]").Each(func(_ int, s *goquery.Selection) {
			rest.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
		})
		res = b.submit(doc, "[data-testid=add-shipment]", rest)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("final shipment: %d %s", res.StatusCode, portalText(b.doc(), "[data-testid=error]"))
		}
		_, doc = b.get(res.Header.Get("Location"))
		if got := portalText(doc, "[data-testid=po-state]"); got != "Shipped" {
			t.Errorf("PO state after shipping the rest: %q", got)
		}
		w.h.Eventually("two fulfillments in the store", func() bool { return len(w.h.Fake.Fulfillments(apptest.Shop)) == 2 })
		var units int
		for _, f := range w.h.Fake.Fulfillments(apptest.Shop) {
			for _, l := range f.Lines {
				units += l.Quantity
			}
		}
		if units != 4 { // 1 tent + 3 bags; the rejected line never ships
			t.Errorf("units fulfilled %d, want 4", units)
		}
		// Nothing open is left to export.
		b.do(http.MethodGet, "/portal/purchase-orders.csv", nil)
		if recs, _ := csv.NewReader(strings.NewReader(b.last)).ReadAll(); len(recs) != 1 {
			t.Errorf("export after shipping everything has %d rows", len(recs))
		}
	})
}

func TestPortalRejectingEveryLineRejectsThePO(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		b := w.signIn(t, w.supB)
		_, doc := b.get(portalPOPath(w.poB.ID))
		res := b.submit(doc, "[data-testid=reject-lines]", url.Values{"line_id": {fmt.Sprint(w.poB.Lines[0].ID)}, "reason": {"out of stock"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject the only line: %d", res.StatusCode)
		}
		_, doc = b.get(portalPOPath(w.poB.ID))
		if got := portalText(doc, "[data-testid=po-state]"); got != "Rejected" {
			t.Errorf("PO state %q, want Rejected", got)
		}
		if doc.Find("[data-testid=accept-po]").Length() != 0 || doc.Find("[data-testid=shipment-form]").Length() != 0 {
			t.Error("a rejected PO still offers actions")
		}
		// Accepting it now is refused with a conflict, not applied.
		if res := b.post(portalPOPath(w.poB.ID)+"/accept", nil); res.StatusCode != http.StatusConflict {
			t.Errorf("accepting a rejected PO: %d", res.StatusCode)
		}
	})
}

func TestPortalAPIKeys(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		b := w.signIn(t, w.supA)
		_, doc := b.get("/portal/api-keys")
		res := b.submit(doc, "[data-testid=create-key]", nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create key: %d", res.StatusCode)
		}
		doc = b.doc()
		key := portalText(doc, "[data-testid=new-key]")
		if !strings.HasPrefix(key, "csk_") {
			t.Fatalf("new key %q", key)
		}
		if code := portalAPIStatus(t, w.h.URL, key); code != 200 {
			t.Fatalf("the new key on /api/v1: %d", code)
		}
		// Shown once: the list shows prefixes only.
		_, doc = b.get("/portal/api-keys")
		if strings.Contains(b.last, key) || doc.Find("[data-testid=key-row]").Length() != 2 {
			t.Fatalf("keys page after creating: rows %d", doc.Find("[data-testid=key-row]").Length())
		}
		// Revoke the newest (first) key.
		res = b.submit(doc, "[data-testid=key-row]:first-child [data-testid=revoke-key]", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		if code := portalAPIStatus(t, w.h.URL, key); code != http.StatusUnauthorized {
			t.Errorf("a revoked key on /api/v1: %d, want 401", code)
		}
		_, doc = b.get("/portal/api-keys")
		if !strings.HasPrefix(portalText(doc, "[data-testid=key-row]:first-child [data-testid=key-status]"), "Revoked") {
			t.Errorf("revoked key shows %q", portalText(doc, "[data-testid=key-row]:first-child [data-testid=key-status]"))
		}
	})
}

func portalAPIStatus(t *testing.T, base, key string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/purchase-orders", nil)
	apptest.Must(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	apptest.Must(t, err)
	res.Body.Close()
	return res.StatusCode
}

// The inbox runs the same queries for 50 POs as for 5: no query per row.
func TestPortalInboxHasNoNPlusOne(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		b := w.signIn(t, w.supA)
		qc := countQueries(t, w.h.App.DB.Gorm)
		order := func(from, to int) {
			for i := from; i < to; i++ {
				id := int64(9800 + i)
				w.h.Webhook("orders/create", fmt.Sprint("n1-", i), samples.ShopifyOrder(samples.Order{ID: id, Number: 2000 + i,
					Lines: []samples.OrderLine{{Product: samples.Products[i%3], Quantity: 1}}}))
			}
			w.h.Eventually("POs routed", func() bool { return w.h.Count("purchase_orders", "supplier_id = ?", w.supA) == int64(to+1) })
			w.h.Idle()
		}
		inbox := func() (int64, int) {
			var rows int
			n := qc.during(func() {
				res, doc := b.get("/portal/purchase-orders")
				if res.StatusCode != 200 {
					t.Fatalf("inbox: %d", res.StatusCode)
				}
				rows = doc.Find("[data-testid=inbox-row]").Length()
			})
			return n, rows
		}
		order(0, 4)
		few, rows := inbox()
		if rows != 5 {
			t.Fatalf("inbox rows %d, want 5", rows)
		}
		order(4, 49)
		many, rows := inbox()
		if rows != 50 {
			t.Fatalf("inbox rows %d, want 50", rows)
		}
		if many != few || many > 4 {
			t.Errorf("inbox queries: %d for 5 rows, %d for 50", few, many)
		}
	})
}
