package bigcommerce

import "strings"

// shippingProviders are the shipping_provider values the create-shipment
// endpoint accepts besides "" and carrier_{id} (orders.v2 reference, Create
// Order Shipment: auspost, canadapost, endicia, usps, fedex, royalmail, ups,
// upsready, upsonline, shipperhq). Keyed by a normalised carrier name.
var shippingProviders = map[string]string{
	"usps": "usps", "ups": "ups", "fedex": "fedex", "royalmail": "royalmail",
	"auspost": "auspost", "australiapost": "auspost",
	"canadapost": "canadapost", "endicia": "endicia",
}

// trackingCarriers maps common carrier names to tracking_carrier values from
// BigCommerce's tracking-carrier list (assets/csv/tracking_carrier_values.csv
// in the docs). An unknown value makes the create call fail, so only names
// on this list are sent; others go without a carrier (and with the tracking
// link, when the supplier gave one).
var trackingCarriers = map[string]string{
	"dhl": "dhl", "dhlexpress": "dhl", "dhlecommerce": "dhl-global-mail",
	"dpd": "dpd", "dpduk": "dpd-uk", "gls": "gls", "tnt": "tnt",
	"ontrac": "ontrac", "lasership": "lasership", "purolator": "purolator",
	"evri": "myhermes-uk", "hermes": "hermes", "yodel": "yodel",
	"parcelforce": "parcel-force", "postnl": "postnl", "laposte": "la-poste-colissimo",
	"colissimo": "colissimo", "chronopost": "chronopost-france",
	"deutschepost": "deutsch-post", "correos": "spain-correos-es",
	"posteitaliane": "poste-italiane", "swisspost": "swiss-post",
	"japanpost": "japan-post", "newzealandpost": "new-zealand-post",
	"nzpost": "new-zealand-post", "couriersplease": "couriers-please",
	"startrack": "star-track", "aramex": "aramex", "sfexpress": "sf-express",
	"chinapost": "china-post", "amazonshipping": "amazon",
}

// carrierFields returns the shipping_provider or tracking_carrier for a
// carrier name as a supplier writes it ("UPS", "Royal Mail", "DHL Express").
func carrierFields(carrier string) (provider, trackingCarrier string) {
	key := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return -1 // drop spaces, dashes, dots, ®
	}, carrier)
	if p, ok := shippingProviders[key]; ok {
		return p, ""
	}
	return "", trackingCarriers[key]
}
