package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/platforms/jsontext"
)

// Page sizes of updatedOrdersQuery. Shopify refuses a query whose requested
// cost exceeds 1000 points; a connection costs 2 plus first times its node,
// an object 1. A line item is 5 (itself, variant, product, the price's
// MoneyBag and MoneyV2), an order 1 + 1 (address) + 2 + 30*5 = 154, the page
// 2 + 5*154 = 772.
const (
	OrdersPerPage = 5
	LinesPerOrder = 30
)

const updatedOrdersQuery = `query UpdatedOrders($first: Int!, $lines: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id
      name
      email
      currencyCode
      displayFinancialStatus
      cancelledAt
      updatedAt
      shippingAddress {
        name firstName lastName company address1 address2
        city province provinceCode zip country countryCodeV2 phone
      }
      lineItems(first: $lines) {
        nodes {
          id sku title variantTitle name quantity unfulfilledQuantity requiresShipping isGiftCard
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          variant { id }
          product { id }
        }
        pageInfo { hasNextPage }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`

// OrdersPage is one page of orders updated since a time, oldest update first.
type OrdersPage struct {
	Orders []OrderUpdate
	// TooLarge lists orders with more than LinesPerOrder lines: their lines
	// did not fit in the page, so they are left to their webhooks.
	TooLarge    []string
	HasNextPage bool
	EndCursor   string // pass as after for the next page
}

// OrderUpdate is one order as it stands now.
type OrderUpdate struct {
	GID       string
	UpdatedAt time.Time
	// Body is the order in the shape of an orders/* webhook body, the shape
	// TranslateOrder reads, so a fetched order takes the webhook's path.
	Body []byte
}

type gqlOrder struct {
	ID                     string      `json:"id"`
	Name                   string      `json:"name"`
	Email                  *string     `json:"email"`
	CurrencyCode           string      `json:"currencyCode"`
	DisplayFinancialStatus *string     `json:"displayFinancialStatus"`
	CancelledAt            *string     `json:"cancelledAt"`
	UpdatedAt              string      `json:"updatedAt"`
	ShippingAddress        *gqlAddress `json:"shippingAddress"`
	LineItems              struct {
		Nodes    []gqlLineItem `json:"nodes"`
		PageInfo pageInfo      `json:"pageInfo"`
	} `json:"lineItems"`
}

type gqlAddress struct {
	Name          *string `json:"name"`
	FirstName     *string `json:"firstName"`
	LastName      *string `json:"lastName"`
	Company       *string `json:"company"`
	Address1      *string `json:"address1"`
	Address2      *string `json:"address2"`
	City          *string `json:"city"`
	Province      *string `json:"province"`
	ProvinceCode  *string `json:"provinceCode"`
	Zip           *string `json:"zip"`
	Country       *string `json:"country"`
	CountryCodeV2 *string `json:"countryCodeV2"`
	Phone         *string `json:"phone"`
}

type gqlLineItem struct {
	ID                   string  `json:"id"`
	SKU                  *string `json:"sku"`
	Title                string  `json:"title"`
	VariantTitle         *string `json:"variantTitle"`
	Name                 string  `json:"name"`
	Quantity             int64   `json:"quantity"`
	UnfulfilledQuantity  int64   `json:"unfulfilledQuantity"`
	RequiresShipping     bool    `json:"requiresShipping"`
	IsGiftCard           bool    `json:"isGiftCard"`
	OriginalUnitPriceSet struct {
		ShopMoney struct {
			Amount       string `json:"amount"`
			CurrencyCode string `json:"currencyCode"`
		} `json:"shopMoney"`
	} `json:"originalUnitPriceSet"`
	Variant *struct {
		ID string `json:"id"`
	} `json:"variant"`
	Product *struct {
		ID string `json:"id"`
	} `json:"product"`
}

type updatedOrdersData struct {
	Orders struct {
		Nodes    []gqlOrder `json:"nodes"`
		PageInfo struct {
			HasNextPage bool    `json:"hasNextPage"`
			EndCursor   *string `json:"endCursor"`
		} `json:"pageInfo"`
	} `json:"orders"`
}

// UpdatedOrders reads one page of the shop's orders updated at or after
// since, oldest update first; after is the previous page's EndCursor, "" for
// the first page. It paces itself by the shop's cost budget and waits out
// THROTTLED answers like every call of the client.
func (c *Client) UpdatedOrders(ctx context.Context, since time.Time, after string) (OrdersPage, error) {
	vars := map[string]any{
		"first": OrdersPerPage,
		"lines": LinesPerOrder,
		"query": fmt.Sprintf("updated_at:>='%s'", since.UTC().Format(time.RFC3339)),
	}
	if after != "" {
		vars["after"] = after
	}
	var data updatedOrdersData
	tries := 0
	if err := c.call(ctx, &tries, operation{name: "updatedOrders", query: updatedOrdersQuery}, vars, &data); err != nil {
		return OrdersPage{}, err
	}
	page := OrdersPage{HasNextPage: data.Orders.PageInfo.HasNextPage}
	if data.Orders.PageInfo.EndCursor != nil {
		page.EndCursor = *data.Orders.PageInfo.EndCursor
	}
	if page.HasNextPage && page.EndCursor == "" {
		return OrdersPage{}, fmt.Errorf("shopify orders: hasNextPage without an endCursor")
	}
	for i := range data.Orders.Nodes {
		o := &data.Orders.Nodes[i]
		if o.LineItems.PageInfo.HasNextPage {
			page.TooLarge = append(page.TooLarge, o.ID)
			continue
		}
		u, err := o.update()
		if err != nil {
			return OrdersPage{}, fmt.Errorf("shopify orders: order %s: %w", o.ID, err)
		}
		page.Orders = append(page.Orders, u)
	}
	return page, nil
}

// update converts a GraphQL order into the webhook body shape.
func (o *gqlOrder) update() (OrderUpdate, error) {
	id, err := numericID(o.ID, "Order")
	if err != nil {
		return OrderUpdate{}, err
	}
	updated, err := time.Parse(time.RFC3339, o.UpdatedAt)
	if err != nil {
		return OrderUpdate{}, fmt.Errorf("updatedAt %q is not an RFC 3339 time", o.UpdatedAt)
	}
	p := orderPayload{
		ID:              json.RawMessage(id),
		GID:             o.ID,
		Name:            o.Name,
		Currency:        o.CurrencyCode,
		FinancialStatus: strings.ToLower(deref(o.DisplayFinancialStatus)),
		CancelledAt:     deref(o.CancelledAt),
		UpdatedAt:       o.UpdatedAt,
		Email:           deref(o.Email),
		LineItems:       []lineItemPayload{},
	}
	if a := o.ShippingAddress; a != nil {
		p.ShippingAddress = &addressPayload{
			Name: deref(a.Name), FirstName: deref(a.FirstName), LastName: deref(a.LastName),
			Company: deref(a.Company), Address1: deref(a.Address1), Address2: deref(a.Address2),
			City: deref(a.City), Province: deref(a.Province), ProvinceCode: deref(a.ProvinceCode),
			Zip: deref(a.Zip), Country: deref(a.Country), CountryCode: deref(a.CountryCodeV2), Phone: deref(a.Phone),
		}
	}
	for i := range o.LineItems.Nodes {
		li := &o.LineItems.Nodes[i]
		l, err := li.payload()
		if err != nil {
			return OrderUpdate{}, fmt.Errorf("line item %s: %w", li.ID, err)
		}
		p.LineItems = append(p.LineItems, l)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return OrderUpdate{}, fmt.Errorf("encoding as a webhook body: %w", err)
	}
	return OrderUpdate{GID: o.ID, UpdatedAt: updated, Body: body}, nil
}

func (li *gqlLineItem) payload() (lineItemPayload, error) {
	id, err := numericID(li.ID, "LineItem")
	if err != nil {
		return lineItemPayload{}, err
	}
	// unfulfilledQuantity is what is left to ship, as the webhook's
	// fulfillable_quantity; never more than was ordered.
	left := min(li.UnfulfilledQuantity, li.Quantity)
	price, err := json.Marshal(li.OriginalUnitPriceSet.ShopMoney.Amount) // a string, as in webhooks
	if err != nil {
		return lineItemPayload{}, err
	}
	l := lineItemPayload{
		ID:                  json.RawMessage(id),
		VariantID:           json.RawMessage("null"),
		ProductID:           json.RawMessage("null"),
		SKU:                 deref(li.SKU),
		Title:               li.Title,
		VariantTitle:        deref(li.VariantTitle),
		Name:                li.Name,
		Quantity:            json.RawMessage(fmt.Sprint(li.Quantity)),
		FulfillableQuantity: json.RawMessage(fmt.Sprint(max(left, 0))),
		Price:               price,
		RequiresShipping:    li.RequiresShipping,
		GiftCard:            li.IsGiftCard,
	}
	// A deleted variant or product reads null, as in webhooks.
	if li.Variant != nil {
		v, err := numericID(li.Variant.ID, "ProductVariant")
		if err != nil {
			return lineItemPayload{}, err
		}
		l.VariantID = json.RawMessage(v)
	}
	if li.Product != nil {
		v, err := numericID(li.Product.ID, "Product")
		if err != nil {
			return lineItemPayload{}, err
		}
		l.ProductID = json.RawMessage(v)
	}
	return l, nil
}

// numericID returns the number at the end of gid://shopify/KIND/N.
func numericID(gid, kind string) (string, error) {
	n, ok := strings.CutPrefix(gid, "gid://shopify/"+kind+"/")
	id, err := strconv.ParseUint(n, 10, 64)
	if !ok || !jsontext.Digits(n) || err != nil || id == 0 {
		return "", fmt.Errorf("%q is not a %s GID", gid, kind)
	}
	return strconv.FormatUint(id, 10), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
