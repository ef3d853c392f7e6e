package app

import (
	"time"

	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/app/install"
	"github.com/consign/consign/handlers"
	"github.com/consign/consign/static"
)

// adminSection builds the embedded retailer admin (/app).
func (a *App) adminSection(assets *static.Assets, now func() time.Time, woo *install.WooCommerce) *handlers.Admin {
	return &handlers.Admin{
		Service: &admin.Service{DB: a.DB, Accounts: a.Accounts, Router: a.Pipeline, Replayer: a.Ingester,
			Inviter: a.Portal, Channels: a.Channels, Now: now},
		Assets: assets, APIKey: a.Config.ShopifyAPIKey, Secret: []byte(a.Config.ShopifyAPISecret), Now: now,
		Installer: a.Install,  // token exchange for new and reinstalled shops
		Sessions:  a.Sessions, // BigCommerce and WooCommerce stores
		Reconnect: woo,
		// Suppliers with their own store get the portal's PO pages.
		SupplierPages: &handlers.Portal{Sessions: a.Portal, Purchasing: a.Purchasing, Keys: a.Accounts,
			Pages: &handlers.Pages{Assets: assets}, Log: a.Log, Timeline: a.Channels.Timeline},
	}
}
