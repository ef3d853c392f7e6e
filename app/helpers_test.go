package app_test

import (
	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/purchasing"
)

type (
	purchasingShipment = purchasing.ShipmentInput
	purchasingLine     = purchasing.ShipmentLineInput
)

func supplierInput(name string) accounts.SupplierInput { return accounts.SupplierInput{Name: name} }
