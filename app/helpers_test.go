package app_test

import "github.com/consign/consign/app/purchasing"

type (
	purchasingShipment = purchasing.ShipmentInput
	purchasingLine     = purchasing.ShipmentLineInput
)
