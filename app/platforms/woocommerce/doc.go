// Package woocommerce is Consign's edge to WooCommerce stores: it connects a
// store through the /wc-auth/v1/authorize key grant, checks webhook
// signatures, translates REST v3 order bodies (webhook order.* bodies have
// the same shape) into canonical orders, keeps the store's webhooks alive,
// polls for modified orders, and pushes tracking back (Shipment Tracking
// extension when installed, a customer note otherwise).
// Nothing outside this package sees a WooCommerce payload.
//
// A store is identified by its normalised URL (NormalizeStoreURL). The REST
// API is called with HTTP basic auth, the consumer key and secret as user
// and password, which WooCommerce accepts over HTTPS only.
//
// The Client's errors fall in three groups:
//   - *RetryableError: the store could not take the call now (429, 5xx,
//     network). Try again later, no sooner than After.
//   - errors wrapping ctx.Err(): the caller gave up.
//   - everything else is permanent: *APIError for a 4xx with WooCommerce's
//     {code, message} (errors.Is ErrNotFound for a missing order,
//     ErrUnauthorized for revoked keys), or a malformed answer.
package woocommerce
