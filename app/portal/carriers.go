package portal

import (
	"net/url"
	"strings"
)

// Carrier is a shipping company the portal knows, with where its tracking
// page lives. Name is what the retailer's store shows (Shopify's tracking
// company names).
type Carrier struct {
	Name string
	// TrackingURL holds %s where the escaped tracking number goes.
	TrackingURL string
}

// OtherCarrier is the choice for a carrier not listed: the supplier names it
// and gives the tracking URL.
const OtherCarrier = "Other"

// Carriers are the carriers offered in the shipment form.
var Carriers = []Carrier{
	{"UPS", "https://www.ups.com/track?tracknum=%s"},
	{"USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels=%s"},
	{"FedEx", "https://www.fedex.com/fedextrack/?trknbr=%s"},
	{"DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB=%s"},
	{"Canada Post", "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=%s"},
	{"Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/%s"},
	{"Australia Post", "https://auspost.com.au/mypost/track/details/%s"},
	{"DPD", "https://www.dpd.com/tracking?parcelNumber=%s"},
}

// TrackingURL builds a known carrier's tracking link, or "" for a carrier
// the portal does not know.
func TrackingURL(carrier, number string) string {
	number = strings.TrimSpace(number)
	if number == "" {
		return ""
	}
	for _, c := range Carriers {
		if strings.EqualFold(c.Name, strings.TrimSpace(carrier)) {
			return strings.Replace(c.TrackingURL, "%s", url.QueryEscape(number), 1)
		}
	}
	return ""
}
