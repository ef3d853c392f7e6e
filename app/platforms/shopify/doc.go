// Package shopify is Consign's edge to Shopify: it checks webhook signatures,
// translates orders/* webhook bodies into canonical orders, and pushes
// fulfillments back through the GraphQL Admin API (version APIVersion).
// Nothing outside this package sees a Shopify payload or speaks GraphQL.
//
// The Client's errors fall in three groups:
//   - *RetryableError: Shopify could not take the call now (rate limit,
//     outage, network) and the client's own retries ran out or the wait was
//     too long to block on. Try again later, no sooner than After.
//   - errors wrapping ctx.Err(): the caller gave up.
//   - everything else is permanent: retrying the same input fails the same
//     way (*StatusError for a bad token, *UserError for refused input,
//     *GraphQLError, ErrOrderNotFound, ErrNotFulfillable).
package shopify
