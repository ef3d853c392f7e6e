// Package models holds Consign's GORM models, the queries on them and the
// state transitions of orders and purchase orders. The schema itself lives
// in the SQL migrations; GORM never migrates.
package models

import (
	"time"

	"github.com/consign/consign/app/money"
)

// Account is a company using Consign: a retailer, a supplier, or both.
type Account struct {
	ID              int64
	Name            string
	Email           string
	IsRetailer      bool
	IsSupplier      bool
	Currency        string
	RoutingTrigger  string // "paid" or "any"
	LateAcceptHours int
	LateShipDays    int
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Platforms Consign connects to.
const (
	PlatformShopify     = "shopify"
	PlatformBigCommerce = "bigcommerce"
	PlatformWooCommerce = "woocommerce"
)

// Connection is an account's installed store on one platform.
type Connection struct {
	ID        int64
	AccountID int64
	Platform  string
	// Shop names the store: its domain (Shopify), store hash (BigCommerce)
	// or URL (WooCommerce).
	Shop string
	// AccessToken and RefreshToken are sealed (app/secrets); read them
	// through accounts.Service.AccessToken, never directly.
	AccessToken           string
	RefreshToken          string
	AccessTokenExpiresAt  *time.Time // nil: the token does not expire
	RefreshTokenExpiresAt *time.Time
	Scopes                string
	// WebhookSecret (sealed) authenticates the store's deliveries where the
	// platform signs them with a per-hook secret (BigCommerce, WooCommerce).
	WebhookSecret string
	InstalledAt   time.Time
	UninstalledAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// APIKey lets a supplier call the supplier API; only its hash is kept.
type APIKey struct {
	ID         int64
	AccountID  int64
	Prefix     string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Partnership channels: how a supplier receives its POs.
const (
	ChannelPortal = "portal" // the supplier portal and API
	// ChannelStore: each PO becomes an order in the supplier's own Shopify
	// store (its connection), and the store's fulfillments come back as
	// shipments.
	ChannelStore = "store"
	// ChannelEmail: each PO is mailed; the supplier answers by replying.
	ChannelEmail = "email"
	// ChannelSFTP: each PO is a CSV file on the supplier's SFTP server;
	// tracking and stock files come back there.
	ChannelSFTP = "sftp"
	// ChannelEDI: each PO is an X12 850 over SFTP; 997, 855, 856, 810 and
	// 846 come back.
	ChannelEDI = "edi"
)

// Channels are every partnership channel, in the order people see them.
var Channels = []string{ChannelPortal, ChannelStore, ChannelEmail, ChannelSFTP, ChannelEDI}

// Partnership is a retailer and a supplier who trade, with the terms that
// decide routing.
type Partnership struct {
	ID         int64
	RetailerID int64
	SupplierID int64
	Strategy   string // priority, lowest_cost, in_stock_first
	Priority   int    // lower goes first
	Channel    string // one of Channels
	Active     bool
	// ChannelSettings is the channel's JSON settings (app/channels);
	// ChannelSecret its sealed secrets (an SFTP password or key).
	ChannelSettings string
	ChannelSecret   string
	// EDIInterchangeSeq and EDIGroupSeq are the last EDI control numbers
	// used with this partner.
	EDIInterchangeSeq int64 `gorm:"column:edi_interchange_seq"`
	EDIGroupSeq       int64 `gorm:"column:edi_group_seq"`
	PolledAt          *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// CatalogItem is a supplier's sellable unit.
type CatalogItem struct {
	ID         int64
	SupplierID int64
	SKU        string `gorm:"column:sku"`
	GTIN       string `gorm:"column:gtin"`
	Title      string
	Cost       money.Amount
	Currency   string
	Inventory  *int // nil: the supplier does not track stock
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Mapping points a retailer's store variant at a supplier's catalog item.
type Mapping struct {
	ID            int64
	RetailerID    int64
	VariantID     string
	SupplierID    int64
	CatalogItemID int64
	Priority      int
	CreatedAt     time.Time
}

// Webhook event states.
const (
	EventReceived  = "received"  // stored, waiting for its job
	EventProcessed = "processed" // translated into an order
	EventIgnored   = "ignored"   // authentic, but nothing to do (unknown shop, unhandled topic)
	EventFailed    = "failed"    // authentic but unusable; Error says why; replayable
)

// WebhookEvent is one raw delivery as received, kept for audit and replay.
type WebhookEvent struct {
	ID           int64
	Platform     string
	Topic        string
	DeliveryID   string
	Shop         string
	ConnectionID *int64
	// PartnershipID names the supplier channel a received message came
	// through (an email reply, a file on SFTP); such events have no store
	// connection.
	PartnershipID *int64
	Headers       string // JSON object of the headers that matter
	Body          []byte
	State         string
	Error         string
	ReceivedAt    time.Time
	ProcessedAt   *time.Time
}

// Order states.
const (
	OrderPending        = "pending"         // stored, not (yet) eligible for routing
	OrderRouted         = "routed"          // every shippable line is on a PO
	OrderNeedsAttention = "needs_attention" // some line needs a person; Attention says why
	OrderCancelled      = "cancelled"
)

// Order is the canonical sales order from a retailer's store.
type Order struct {
	ID                int64
	ConnectionID      int64
	RetailerID        int64
	Platform          string
	ExternalID        string
	GID               string `gorm:"column:gid"`
	Name              string
	Number            int64
	Currency          string
	FinancialStatus   string
	CancelledAt       *time.Time
	CustomerEmail     string
	ShipTo            string // JSON of canonical.Address
	State             string
	Attention         string // why a person should look, when non-empty
	PlatformStatus    string // the store's own status, as its merchant reads it
	Hold              string // why the store does not want it fulfilled yet; empty: ready
	PlatformUpdatedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time

	Lines []OrderLine `gorm:"foreignKey:OrderID"`
}

// OrderLine is one line item of an Order.
type OrderLine struct {
	ID                  int64
	OrderID             int64
	ExternalID          string
	VariantID           string
	ProductID           string
	SKU                 string `gorm:"column:sku"`
	GTIN                string `gorm:"column:gtin"`
	Title               string
	Quantity            int
	FulfillableQuantity int
	UnitPrice           money.Amount
	RequiresShipping    bool
	GiftCard            bool
}

// PurchaseOrder is what Consign asks one supplier to ship for one order.
type PurchaseOrder struct {
	ID         int64
	Number     string
	OrderID    int64
	RetailerID int64
	SupplierID int64
	State      string
	Currency   string
	TotalCost  money.Amount
	ShipTo     string // JSON of canonical.Address
	// RemoteConnectionID and RemoteOrderID name the order this PO became in
	// the supplier's own store (channel store); empty otherwise.
	RemoteConnectionID *int64
	RemoteOrderID      string
	CreatedAt          time.Time
	UpdatedAt          time.Time

	Lines  []POLine  `gorm:"foreignKey:PurchaseOrderID"`
	Events []POEvent `gorm:"foreignKey:PurchaseOrderID"`
	Order  *Order    `gorm:"foreignKey:OrderID"`
}

// PO line states.
const (
	LineOpen     = "open"
	LineAccepted = "accepted"
	LineRejected = "rejected"
)

// POLine is one line of a purchase order, at the supplier's cost.
type POLine struct {
	ID              int64
	PurchaseOrderID int64
	OrderLineID     int64
	CatalogItemID   *int64
	SKU             string `gorm:"column:sku"`
	Title           string
	Quantity        int
	Cost            money.Amount
	State           string
	Reason          string
}

// TableName keeps GORM from guessing "po_lines" wrong.
func (POLine) TableName() string { return "po_lines" }

// POEvent is one row of a purchase order's state history.
type POEvent struct {
	ID              int64
	PurchaseOrderID int64
	FromState       string
	ToState         string
	Reason          string
	Actor           string
	CreatedAt       time.Time
}

// TableName names the history table.
func (POEvent) TableName() string { return "po_events" }

// Shipment states.
const (
	ShipmentPending = "pending" // waiting to be pushed to the retailer's store
	ShipmentPushed  = "pushed"  // the store has the fulfillment; RemoteID names it
	ShipmentFailed  = "failed"  // the store refused it; Error says why
)

// Shipment is a supplier's tracking for some PO lines.
type Shipment struct {
	ID              int64
	PurchaseOrderID int64
	Carrier         string
	TrackingNumber  string
	TrackingURL     string `gorm:"column:tracking_url"`
	State           string
	RemoteID        string
	// RemoteFulfillmentID names the fulfillment in the supplier's own store
	// this shipment came from (channel store); empty otherwise.
	RemoteFulfillmentID string
	Error               string
	PushedAt            *time.Time
	CreatedAt           time.Time

	Lines []ShipmentLine `gorm:"foreignKey:ShipmentID"`
}

// ShipmentLine is the quantity of one PO line a shipment carries.
type ShipmentLine struct {
	ID         int64
	ShipmentID int64
	POLineID   int64 `gorm:"column:po_line_id"`
	Quantity   int
}

// Outbound message states.
const (
	MessageQueued       = "queued"       // stored, waiting to be sent
	MessageBatched      = "batched"      // waiting for the partner's next batch file
	MessageSent         = "sent"         // handed to the mail server or the SFTP folder
	MessageAcknowledged = "acknowledged" // the partner confirmed receipt (an EDI 997)
	MessageRejected     = "rejected"     // the partner refused it (a 997 with R)
	MessageFailed       = "failed"       // could not be sent; Error says why
	MessageWithdrawn    = "withdrawn"    // its PO was cancelled before it went out
)

// OutboundMessage is one thing Consign sends a supplier through a channel,
// stored whole before it is sent: an email, a CSV file, an X12 document.
type OutboundMessage struct {
	ID                 int64
	PartnershipID      int64
	PurchaseOrderID    *int64
	Channel            string
	Kind               string // "po", "cancel", "850", "997", "test", ...
	Name               string // a file name, or an email's subject
	ContentType        string
	Body               []byte
	DedupKey           string
	State              string
	Error              string
	Attempts           int
	ControlNumber      string // an X12 interchange's ISA13
	GroupControlNumber string // its GS06, which the partner's 997 names
	MessageID          string // an email's Message-ID
	// BatchID names the batch file that carries a batched message.
	BatchID    *int64
	CreatedAt  time.Time
	SentAt     *time.Time
	AnsweredAt *time.Time
}

// POMessage links a received message (an event) to a PO it concerns.
type POMessage struct {
	PurchaseOrderID int64
	EventID         int64
	Note            string
}

// Invoice is a supplier's invoice for a PO. Total and Expected are in the
// PO's currency's minor units; Lines holds per-line differences as JSON.
type Invoice struct {
	ID              int64
	PurchaseOrderID int64
	SupplierID      int64
	Number          string
	Currency        string
	Total           money.Amount
	Expected        money.Amount
	Lines           string
	Flagged         bool
	EventID         *int64
	CreatedAt       time.Time
}
