// Package bigcommerce is Consign's edge to BigCommerce: single-click app
// install (OAuth code exchange, signed_payload_jwt of the load/uninstall
// callbacks), webhook parsing and signature checks, translation of V2 order
// snapshots into canonical orders, and the REST calls the jobs make
// (fetching orders, listing modified orders, creating shipments, keeping the
// store's webhooks in place). Nothing outside this package sees a
// BigCommerce payload.
//
// The Client's errors fall in three groups:
//   - *RetryableError: BigCommerce could not take the call now (rate limit,
//     5xx, network) and the client's own retries ran out or the wait was too
//     long to block on. Try again later, no sooner than After.
//   - errors wrapping ctx.Err(): the caller gave up.
//   - everything else is permanent: retrying the same input fails the same
//     way (*StatusError with BigCommerce's message, ErrNotFound, bad input).
package bigcommerce

// Platform is the canonical.Order.Platform value of BigCommerce orders.
const Platform = "bigcommerce"
