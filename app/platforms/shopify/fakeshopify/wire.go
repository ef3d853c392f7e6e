package fakeshopify

// JSON shapes of the Admin API answers the fake writes.

type response struct {
	Data       any            `json:"data,omitempty"`
	Errors     []gqlError     `json:"errors,omitempty"`
	Extensions map[string]any `json:"extensions"`

	actualCost float64 // what the query really cost, when less than requested
}

type gqlError struct {
	Message    string            `json:"message"`
	Extensions map[string]string `json:"extensions,omitempty"`
}

type cost struct {
	RequestedQueryCost float64        `json:"requestedQueryCost"`
	ActualQueryCost    *float64       `json:"actualQueryCost"`
	ThrottleStatus     throttleStatus `json:"throttleStatus"`
}

type throttleStatus struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"`
}

type orderJSON struct {
	ID                string             `json:"id"`
	Fulfillments      []fulfillmentJSON  `json:"fulfillments"`
	FulfillmentOrders connection[foJSON] `json:"fulfillmentOrders"`
}

type fulfillmentJSON struct {
	ID           string         `json:"id"`
	Status       string         `json:"status"`
	TrackingInfo []trackingJSON `json:"trackingInfo"`
}

type trackingJSON struct {
	Number  *string `json:"number"`
	Company *string `json:"company"`
	URL     *string `json:"url"`
}

type foJSON struct {
	ID               string                 `json:"id"`
	Status           string                 `json:"status"`
	SupportedActions []actionJSON           `json:"supportedActions"`
	LineItems        connection[foLineJSON] `json:"lineItems"`
}

type actionJSON struct {
	Action string `json:"action"`
}

type foLineJSON struct {
	ID                string `json:"id"`
	RemainingQuantity int    `json:"remainingQuantity"`
	LineItem          idJSON `json:"lineItem"`
}

type idJSON struct {
	ID string `json:"id"`
}

type connection[T any] struct {
	Nodes    []T      `json:"nodes"`
	PageInfo pageInfo `json:"pageInfo"`
}

type pageInfo struct {
	HasNextPage bool `json:"hasNextPage"`
}

// fulfillmentInput is the FulfillmentInput the client sends.
type fulfillmentInput struct {
	LineItemsByFulfillmentOrder []struct {
		FulfillmentOrderID        string `json:"fulfillmentOrderId"`
		FulfillmentOrderLineItems []struct {
			ID       string `json:"id"`
			Quantity int    `json:"quantity"`
		} `json:"fulfillmentOrderLineItems"`
	} `json:"lineItemsByFulfillmentOrder"`
	TrackingInfo *struct {
		Company string `json:"company"`
		Number  string `json:"number"`
		URL     string `json:"url"`
	} `json:"trackingInfo"`
	NotifyCustomer bool `json:"notifyCustomer"`
}

type createPayload struct {
	Fulfillment *fulfillmentResultJSON `json:"fulfillment"`
	UserErrors  []userErrorJSON        `json:"userErrors"`
}

type fulfillmentResultJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

type userErrorJSON struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
}
