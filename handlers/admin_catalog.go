package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/models"
	adminview "github.com/consign/consign/views/admin"
)

const defaultMaxUpload = 64 << 20

// maxUpload is the catalog upload's body limit.
func (a *Admin) maxUpload() int64 {
	if a.MaxUpload > 0 {
		return a.MaxUpload
	}
	return defaultMaxUpload
}

// BodyLimits lets the catalog upload stream a body larger than a form's.
func (a *Admin) BodyLimits() map[string]int64 {
	return map[string]int64{"POST /app/suppliers/:id/catalog": a.maxUpload()}
}

// uploadCatalog streams the uploaded CSV straight into the catalog import,
// part by part, so a large file never sits whole in memory or on disk. An
// htmx upload gets the row-by-row report alone; a plain form gets the page.
func (a *Admin) uploadCatalog(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// Check ownership before reading a byte of the body.
	if _, err := a.Service.Supplier(ctx, rid, id); err != nil {
		return err
	}
	limit := a.maxUpload() // BodyLimits holds the body to it
	var rep catalog.Report
	file, err := uploadedFile(c, "file")
	if err == nil {
		rep, err = a.Service.ImportCatalog(ctx, rid, id, adminSession(c).Account.Currency, file)
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = &models.ValidationError{Message: fmt.Sprintf("the file is larger than %d MiB; rows before the limit were imported", limit>>20)}
	}
	failure, refused := adminRefusal(err)
	if err != nil && !refused {
		return err
	}
	if c.Request().Header.Get("HX-Request") != "" {
		return render(c, http.StatusOK, adminview.ImportResult(rep, failure))
	}
	cat, err := a.Service.Catalog(ctx, rid, id, "", 1)
	if err != nil {
		return err
	}
	return a.showSupplier(c, http.StatusOK, rid, id, adminview.SupplierPage{Catalog: cat, Import: &rep}, "", failure)
}

// uploadedFile finds the named file part of a multipart body.
func uploadedFile(c echo.Context, name string) (io.Reader, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "send the file as multipart/form-data").SetInternal(err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &models.ValidationError{Message: "choose a CSV file to upload"}
		}
		if err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "the upload is malformed").SetInternal(err)
		}
		if part.FormName() == name {
			return part, nil
		}
	}
}

func accountsSupplierInput(f adminview.SupplierForm, priority int) accounts.SupplierInput {
	return accounts.SupplierInput{Name: f.Name, Email: f.Email, Strategy: f.Strategy, Priority: priority}
}

func accountsSettings(trigger string) accounts.Settings {
	return accounts.Settings{Trigger: trigger}
}
