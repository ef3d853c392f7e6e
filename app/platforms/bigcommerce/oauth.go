package bigcommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// DefaultLoginBaseURL is BigCommerce's login service, home of /oauth2/token.
const DefaultLoginBaseURL = "https://login.bigcommerce.com"

// OAuth finishes a single-click app install: BigCommerce calls the app's
// auth callback with code, scope and context, and the app trades the code
// for the store's permanent access token.
type OAuth struct {
	ClientID, ClientSecret, RedirectURI string
	// LoginBaseURL replaces https://login.bigcommerce.com (a fake in tests).
	LoginBaseURL string
	HTTP         *http.Client
}

// Grant is the token endpoint's answer.
type Grant struct {
	AccessToken string
	Scope       string
	StoreHash   string
	UserID      int64
	UserEmail   string
	AccountUUID string
}

// OAuthError is a refusal from the token endpoint (a used or unknown code,
// a wrong client id or secret, a redirect_uri that does not match).
type OAuthError struct {
	Status  int
	Message string
}

func (e *OAuthError) Error() string {
	return fmt.Sprintf("bigcommerce oauth: token exchange refused (HTTP %d): %s", e.Status, e.Message)
}

// tokenRequest is POST /oauth2/token (docs: apps guide "auth", "Example
// request: Create an access_token").
type tokenRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Code         string `json:"code"`
	Context      string `json:"context"`
	Scope        string `json:"scope"`
	GrantType    string `json:"grant_type"`
	RedirectURI  string `json:"redirect_uri"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
	User        struct {
		ID    json.RawMessage `json:"id"`
		Email string          `json:"email"`
	} `json:"user"`
	Context     string `json:"context"`
	AccountUUID string `json:"account_uuid"`
}

// Exchange trades the auth callback's code (with its scope and context) for
// an access token. The grant's store comes from the answer's context and
// must be the store the callback named.
func (o *OAuth) Exchange(ctx context.Context, code, scope, context string) (Grant, error) {
	if o.ClientID == "" || o.ClientSecret == "" || o.RedirectURI == "" {
		return Grant{}, errors.New("bigcommerce oauth: client id, client secret and redirect URI are required")
	}
	if code == "" {
		return Grant{}, errors.New("bigcommerce oauth: the callback has no code")
	}
	want, err := StoreHashFromContext(context)
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: callback %w", err)
	}
	base, err := baseURL(o.LoginBaseURL, DefaultLoginBaseURL)
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: %w", err)
	}
	payload, err := json.Marshal(tokenRequest{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, Code: code, Context: context,
		Scope: scope, GrantType: "authorization_code", RedirectURI: o.RedirectURI,
	})
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/token", bytes.NewReader(payload))
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirects(o.HTTP).Do(req)
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: token exchange: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: reading answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Grant{}, &OAuthError{Status: resp.StatusCode, Message: errorMessage(body)}
	}
	var ans tokenResponse
	if err := json.Unmarshal(body, &ans); err != nil || ans.AccessToken == "" {
		return Grant{}, fmt.Errorf("bigcommerce oauth: answer without an access token: %s", snippet(string(body)))
	}
	got, err := StoreHashFromContext(ans.Context)
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: answer %w", err)
	}
	if got != want {
		return Grant{}, fmt.Errorf("bigcommerce oauth: token issued for store %q, the callback named %q", got, want)
	}
	userID, _, err := parseID("user.id", ans.User.ID)
	if err != nil {
		return Grant{}, fmt.Errorf("bigcommerce oauth: %w", err)
	}
	return Grant{
		AccessToken: ans.AccessToken,
		Scope:       ans.Scope,
		StoreHash:   got,
		UserID:      userID,
		UserEmail:   ans.User.Email,
		AccountUUID: ans.AccountUUID,
	}, nil
}
