package apptest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Browser is an HTTP client with a cookie jar, as a person's browser is: it
// follows redirects and keeps the cookies each site sets.
type Browser struct {
	T      testing.TB
	Base   string
	Client *http.Client
	// Visited is every URL the last request went through, redirects included.
	Visited []string
}

// NewBrowser opens a browser with no cookies on the harness's server.
func (h *Harness) NewBrowser() *Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.T.Fatal(err)
	}
	b := &Browser{T: h.T, Base: h.URL}
	b.Client = &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		b.Visited = append(b.Visited, r.URL.String())
		if len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// Stay makes the browser stop at redirects instead of following them, so a
// test can read each Location.
func (b *Browser) Stay() *Browser {
	b.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return b
}

// Get fetches a path of the server (or an absolute URL) and returns the
// final response and its body.
func (b *Browser) Get(target string) (*http.Response, string) {
	b.T.Helper()
	return b.Do(http.MethodGet, target, nil, nil)
}

// PostForm submits a form.
func (b *Browser) PostForm(target string, form url.Values) (*http.Response, string) {
	b.T.Helper()
	return b.Do(http.MethodPost, target, strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// Do sends a request with headers and returns the final response and body.
func (b *Browser) Do(method, target string, body io.Reader, header http.Header) (*http.Response, string) {
	b.T.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.Base + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.T.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	for k, v := range header {
		req.Header[k] = v
	}
	b.Visited = []string{target}
	res, err := b.Client.Do(req)
	if err != nil {
		b.T.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.T.Fatal(err)
	}
	return res, string(raw)
}

// Cookie is the value of the named cookie the browser would send to path.
func (b *Browser) Cookie(path, name string) string {
	u, _ := url.Parse(b.Base + path)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var hiddenInput = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*>`)

// Hidden is the value of a page's hidden form field.
func Hidden(page, name string) string {
	for _, tag := range hiddenInput.FindAllString(page, -1) {
		if strings.Contains(tag, `name="`+name+`"`) {
			if m := regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(tag); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// Meta is the content of a page's named meta tag.
func Meta(page, name string) string {
	m := regexp.MustCompile(`<meta name="` + regexp.QuoteMeta(name) + `" content="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}
