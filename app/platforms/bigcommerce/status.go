package bigcommerce

import (
	"fmt"
	"strings"

	"github.com/consign/consign/app/canonical"
)

// Order statuses, from GET /v2/order_statuses (docs: "Orders Overview",
// "Changing order status"; the names are the system labels, which a merchant
// may rename, so only the ids are trusted).
const (
	statusAwaitingFulfillment = 11 // paid and ready to fulfil
	statusCancelled           = 5
)

// orderStatus is one system status: its label and what it says about money.
type orderStatus struct {
	name      string
	financial string // "" when the status says nothing: payment_status decides
}

// statuses maps status_id to the canonical financial status:
//
//	 0 Incomplete                    pending  (shopper never finished checkout)
//	 1 Pending                       pending
//	 2 Shipped                       paid
//	 3 Partially Shipped             paid
//	 4 Refunded                      refunded
//	 5 Cancelled                     by payment_status (money may or may not have moved)
//	 6 Declined                      voided   (the payment was refused)
//	 7 Awaiting Payment              pending
//	 8 Awaiting Pickup               paid
//	 9 Awaiting Shipment             paid
//	10 Completed                     paid
//	11 Awaiting Fulfillment          paid
//	12 Manual Verification Required  pending  (payment under review)
//	13 Disputed                      by payment_status (a chargeback in progress)
//	14 Partially Refunded            partially_refunded
//
// Any other id (a future status) also falls back on payment_status.
var statuses = map[int]orderStatus{
	0:  {"Incomplete", canonical.FinancialPending},
	1:  {"Pending", canonical.FinancialPending},
	2:  {"Shipped", canonical.FinancialPaid},
	3:  {"Partially Shipped", canonical.FinancialPaid},
	4:  {"Refunded", canonical.FinancialRefunded},
	5:  {"Cancelled", ""},
	6:  {"Declined", canonical.FinancialVoided},
	7:  {"Awaiting Payment", canonical.FinancialPending},
	8:  {"Awaiting Pickup", canonical.FinancialPaid},
	9:  {"Awaiting Shipment", canonical.FinancialPaid},
	10: {"Completed", canonical.FinancialPaid},
	11: {"Awaiting Fulfillment", canonical.FinancialPaid},
	12: {"Manual Verification Required", canonical.FinancialPending},
	13: {"Disputed", ""},
	14: {"Partially Refunded", canonical.FinancialPartiallyRefunded},
}

// financialStatus is the canonical financial status of an order with
// status_id id and the order's payment_status.
func financialStatus(id int, paymentStatus string) string {
	if st, ok := statuses[id]; ok && st.financial != "" {
		return st.financial
	}
	// payment_status values of the V2 order (orders.v2 reference): authorized,
	// captured, capture pending, declined, held for review, paid, partially
	// refunded, pending, refunded, void, void pending, or "".
	switch strings.ToLower(strings.TrimSpace(paymentStatus)) {
	case "captured", "paid":
		return canonical.FinancialPaid
	case "authorize", "authorized":
		return canonical.FinancialAuthorized
	case "partially refunded":
		return canonical.FinancialPartiallyRefunded
	case "refunded":
		return canonical.FinancialRefunded
	case "void", "void pending", "declined":
		return canonical.FinancialVoided
	}
	return canonical.FinancialPending
}

// hold says why the store does not yet want the order fulfilled: every
// status but Awaiting Fulfillment.
func hold(id int, status string) string {
	if id == statusAwaitingFulfillment {
		return ""
	}
	if status == "" {
		status = statuses[id].name
	}
	return fmt.Sprintf("status %q (%d) is not Awaiting Fulfillment", status, id)
}
