package fakebigcommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Hook is a webhook registered through the V3 API.
type Hook struct {
	ID          int64
	Scope       string
	Destination string
	IsActive    bool
	Headers     map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type hookJSON struct {
	ID          int64             `json:"id"`
	ClientID    string            `json:"client_id"`
	StoreHash   string            `json:"store_hash"`
	Scope       string            `json:"scope"`
	Destination string            `json:"destination"`
	IsActive    bool              `json:"is_active"`
	Headers     map[string]string `json:"headers"`
	CreatedAt   int64             `json:"created_at"`
	UpdatedAt   int64             `json:"updated_at"`
}

// Hooks lists the store's hooks, oldest first.
func (s *Server) Hooks(hash string) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Hook
	for _, h := range s.store(hash).hooks {
		c := *h
		c.Headers = maps.Clone(h.Headers)
		out = append(out, c)
	}
	return out
}

// SetHookActive turns a hook on or off, as BigCommerce does after 48 hours
// of failed deliveries.
func (s *Server) SetHookActive(hash string, hookID int64, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.store(hash).hooks {
		if h.ID == hookID {
			h.IsActive, h.UpdatedAt = active, time.Now().UTC()
		}
	}
}

func (s *Server) renderHook(st *store, h *Hook) hookJSON {
	return hookJSON{
		ID: h.ID, ClientID: s.clientID, StoreHash: st.hash, Scope: h.Scope, Destination: h.Destination,
		IsActive: h.IsActive, Headers: h.Headers, CreatedAt: h.CreatedAt.Unix(), UpdatedAt: h.UpdatedAt.Unix(),
	}
}

// listHooks is GET /v3/hooks: {data: [...], meta: {pagination}}.
func (s *Server) listHooks(st *store, r *http.Request, _ []byte) answer {
	page, limit, err := paging(r)
	if err != nil {
		return answer{http.StatusBadRequest, v3Error(http.StatusBadRequest, err.Error())}
	}
	all := make([]hookJSON, 0, len(st.hooks))
	for _, h := range st.hooks {
		all = append(all, s.renderHook(st, h))
	}
	start := min((page-1)*limit, len(all))
	data := all[start:min(start+limit, len(all))]
	totalPages := (len(all) + limit - 1) / limit
	return answer{http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"pagination": map[string]any{
		"total": len(all), "count": len(data), "per_page": limit, "current_page": page, "total_pages": totalPages,
		"links": map[string]string{"current": fmt.Sprintf("?page=%d&limit=%d", page, limit)},
	}}}}
}

type hookInput struct {
	Scope       *string            `json:"scope"`
	Destination *string            `json:"destination"`
	IsActive    *bool              `json:"is_active"`
	Headers     *map[string]string `json:"headers"`
}

// createHook is POST /v3/hooks. Like BigCommerce it allows one hook per
// scope and destination for an app.
func (s *Server) createHook(st *store, _ *http.Request, body []byte) answer {
	var in hookInput
	if err := json.Unmarshal(body, &in); err != nil {
		return answer{http.StatusBadRequest, v3Error(http.StatusBadRequest, "Input is invalid.")}
	}
	if in.Scope == nil || *in.Scope == "" || in.Destination == nil || *in.Destination == "" {
		return unprocessable("scope and destination are required")
	}
	for _, h := range st.hooks {
		if h.Scope == *in.Scope && h.Destination == *in.Destination {
			return unprocessable("a webhook with this scope and destination already exists")
		}
	}
	now := time.Now().UTC()
	h := &Hook{ID: s.nextID(), Scope: *in.Scope, Destination: *in.Destination, IsActive: true, CreatedAt: now, UpdatedAt: now}
	if in.IsActive != nil {
		h.IsActive = *in.IsActive
	}
	if in.Headers != nil {
		h.Headers = maps.Clone(*in.Headers)
	}
	st.hooks = append(st.hooks, h)
	return answer{http.StatusOK, map[string]any{"data": s.renderHook(st, h), "meta": map[string]any{}}}
}

// updateHook is PUT /v3/hooks/{id}: the fields given replace the hook's.
func (s *Server) updateHook(st *store, r *http.Request, body []byte) answer {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var h *Hook
	for _, c := range st.hooks {
		if c.ID == id {
			h = c
		}
	}
	if h == nil {
		return answer{http.StatusNotFound, v3Error(http.StatusNotFound, fmt.Sprintf("Webhook with id [%d] not found", id))}
	}
	var in hookInput
	if err := json.Unmarshal(body, &in); err != nil {
		return answer{http.StatusBadRequest, v3Error(http.StatusBadRequest, "Input is invalid.")}
	}
	if in.Scope != nil {
		h.Scope = *in.Scope
	}
	if in.Destination != nil {
		h.Destination = *in.Destination
	}
	if in.IsActive != nil {
		h.IsActive = *in.IsActive
	}
	if in.Headers != nil {
		h.Headers = maps.Clone(*in.Headers)
	}
	h.UpdatedAt = time.Now().UTC()
	return answer{http.StatusOK, map[string]any{"data": s.renderHook(st, h), "meta": map[string]any{}}}
}

func unprocessable(why string) answer {
	e := v3Error(http.StatusUnprocessableEntity, "JSON data is missing or invalid")
	e["errors"] = map[string]string{"hook": why}
	return answer{http.StatusUnprocessableEntity, e}
}

// delivery is a webhook body, in the key order of a real capture.
type delivery struct {
	Producer  string         `json:"producer"`
	Hash      string         `json:"hash"`
	CreatedAt int64          `json:"created_at"`
	StoreID   string         `json:"store_id"`
	Scope     string         `json:"scope"`
	Data      map[string]any `json:"data"`
}

// Delivery builds the request BigCommerce would POST to the store's hook
// for scope about orderID: the thin body with a fresh hash, the hook's
// custom headers, and webhook-id (the hash, as in real deliveries),
// webhook-timestamp and webhook-signature ("v1," + base64 HMAC-SHA256 of
// "id.timestamp.body" under the app's client secret). Without such a hook
// the custom headers are simply absent.
func (s *Server) Delivery(hash, scope string, orderID int64) (body []byte, headers http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.store(hash)
	data := map[string]any{"type": "order", "id": orderID}
	if strings.HasPrefix(scope, "store/shipment/") {
		data = map[string]any{"type": "shipment", "id": s.nextID(), "orderId": orderID}
	} else if o := st.orders[orderID]; o != nil && scope == "store/order/statusUpdated" {
		data["status"] = map[string]int{"previous_status_id": 0, "new_status_id": o.StatusID}
	}
	now := time.Now()
	d := delivery{
		Producer: "stores/" + hash, Hash: randomHex(20), CreatedAt: now.Unix(),
		StoreID: strconv.FormatInt(1000000000+int64(len(hash))*7919, 10), Scope: scope, Data: data,
	}
	body, _ = json.Marshal(d)
	headers = http.Header{}
	for _, h := range st.hooks {
		if h.Scope == scope {
			for k, v := range h.Headers {
				headers.Set(k, v)
			}
			break
		}
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(s.clientSecret))
	mac.Write([]byte(d.Hash + "." + ts + "."))
	mac.Write(body)
	headers.Set("Content-Type", "application/json")
	headers.Set("User-Agent", "pekko-http/1.3.0")
	headers.Set("Webhook-Id", d.Hash)
	headers.Set("Webhook-Timestamp", ts)
	headers.Set("Webhook-Signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return body, headers
}
