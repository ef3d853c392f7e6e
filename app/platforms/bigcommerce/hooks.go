package bigcommerce

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
)

// hook is a V3 webhook as GET/POST/PUT /v3/hooks return it.
type hook struct {
	ID          int64             `json:"id"`
	Scope       string            `json:"scope"`
	Destination string            `json:"destination"`
	IsActive    bool              `json:"is_active"`
	Headers     map[string]string `json:"headers"`
}

// hookBody is the body of POST /v3/hooks and PUT /v3/hooks/ID.
type hookBody struct {
	Scope       string            `json:"scope,omitempty"`
	Destination string            `json:"destination,omitempty"`
	IsActive    bool              `json:"is_active"`
	Headers     map[string]string `json:"headers"`
}

// EnsureHooks makes the store send each scope to destination with headers
// (Consign's secret header among them), active. It is idempotent: it lists
// the app's hooks first; a hook with the same scope and destination is
// updated (PUT /v3/hooks/ID) when it is inactive or its headers differ,
// which is also how a hook BigCommerce deactivated after 48 h of failed
// deliveries comes back; a missing one is created (POST /v3/hooks).
// BigCommerce allows only one hook per scope and destination for an app.
func (c *Client) EnsureHooks(ctx context.Context, destination string, headers map[string]string, scopes []string) error {
	if destination == "" || len(scopes) == 0 {
		return fmt.Errorf("bigcommerce ensure hooks: want a destination and at least one scope")
	}
	if headers == nil {
		headers = map[string]string{}
	}
	existing, err := c.hooks(ctx)
	if err != nil {
		return err
	}
	for _, scope := range scopes {
		var found *hook
		for i := range existing {
			if existing[i].Scope == scope && existing[i].Destination == destination {
				found = &existing[i]
				break
			}
		}
		switch {
		case found == nil:
			body := hookBody{Scope: scope, Destination: destination, IsActive: true, Headers: headers}
			if _, _, err := c.do(ctx, call{op: "POST /v3/hooks", method: http.MethodPost, path: "/v3/hooks", body: body}); err != nil {
				return err
			}
		case !found.IsActive || !maps.Equal(found.Headers, headers):
			body := hookBody{IsActive: true, Headers: headers}
			path := "/v3/hooks/" + strconv.FormatInt(found.ID, 10)
			if _, _, err := c.do(ctx, call{op: "PUT /v3/hooks/{id}", method: http.MethodPut, path: path, body: body}); err != nil {
				return err
			}
		}
	}
	return nil
}

// hooks lists the hooks this app's token created in the store, every page.
func (c *Client) hooks(ctx context.Context) ([]hook, error) {
	const op = "GET /v3/hooks"
	var all []hook
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(pageLimit)}}
		_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/v3/hooks", query: q})
		if err != nil {
			return nil, err
		}
		var ans struct {
			Data []hook `json:"data"`
			Meta struct {
				Pagination struct {
					TotalPages  int `json:"total_pages"`
					CurrentPage int `json:"current_page"`
				} `json:"pagination"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(body, &ans); err != nil {
			return nil, fmt.Errorf("bigcommerce %s: decoding answer: %w", op, err)
		}
		all = append(all, ans.Data...)
		p := ans.Meta.Pagination
		if len(ans.Data) == 0 || p.TotalPages <= page {
			return all, nil
		}
	}
	return nil, fmt.Errorf("bigcommerce %s: more than %d pages", op, maxPages)
}
