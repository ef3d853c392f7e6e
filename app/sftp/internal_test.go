package sftp

import "testing"

func TestWithSuffix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		i    int
		want string
	}{
		{"/archive/po.xml", 0, "/archive/po.xml"},
		{"/archive/po.xml", 1, "/archive/po-1.xml"},
		{"/archive/ORDERS.20240101.edi", 2, "/archive/ORDERS.20240101-2.edi"},
		{"archive/noext", 3, "archive/noext-3"},
		{"/a.b/.profile", 1, "/a.b/.profile-1"},
	} {
		if got := withSuffix(tc.in, tc.i); got != tc.want {
			t.Errorf("withSuffix(%q, %d) = %q, want %q", tc.in, tc.i, got, tc.want)
		}
	}
}

func TestParseFingerprint(t *testing.T) {
	t.Parallel()
	const sha = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"
	for in, want := range map[string]fingerprint{
		sha:                 {text: sha},
		" " + sha + "= ":    {text: sha},
		"sha256:" + sha[7:]: {text: sha},
		"16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48":     {md5: true, text: "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"},
		"MD5:16:27:AC:A5:76:28:2D:36:63:1B:56:4D:EB:DF:A6:48": {md5: true, text: "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"},
	} {
		got, err := parseFingerprint(in)
		if err != nil || got != want {
			t.Errorf("parseFingerprint(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "SHA256:", "SHA256:not base64!!", sha + "AA", "16:27:ac", "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:4",
		"256 " + sha + " host (ED25519)", // a whole ssh-keygen line: we want just the fingerprint
	} {
		if _, err := parseFingerprint(in); err == nil {
			t.Errorf("parseFingerprint(%q) accepted", in)
		}
	}
}
