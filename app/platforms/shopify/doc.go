// Package shopify is Consign's edge to Shopify: it checks webhook signatures,
// translates orders/* webhook bodies into canonical orders, and pushes
// fulfillments back through the GraphQL Admin API.
//
// Nothing outside this package sees a Shopify payload or speaks GraphQL.
package shopify
