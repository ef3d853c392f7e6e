// Consign embedded admin: puts the Shopify session token (or, outside
// Shopify, the session's CSRF token) on every htmx request and shows
// catalog upload progress. No inline script is needed.
(function () {
  "use strict";

  // The first load carries the token in its URL. Inside Shopify, App Bridge
  // (window.shopify) hands out fresh ones; without it (a test browser, the
  // demo) the first token is reused until it expires.
  var token = new URLSearchParams(window.location.search).get("id_token") || "";
  // Outside Shopify the session is a cookie; requests that change something
  // carry its CSRF token.
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function bridge() {
    return window.shopify && typeof window.shopify.idToken === "function";
  }

  // htmx:confirm may hold a request back: fetch a fresh token, then send it.
  document.addEventListener("htmx:confirm", function (e) {
    if (!bridge()) {
      return;
    }
    e.preventDefault();
    window.shopify.idToken().then(function (t) {
      token = t;
    }, function () {}).finally(function () {
      e.detail.issueRequest(true);
    });
  });

  document.addEventListener("htmx:configRequest", function (e) {
    if (token) {
      e.detail.headers["Authorization"] = "Bearer " + token;
    }
    if (csrf) {
      e.detail.headers["X-CSRF-Token"] = csrf;
    }
    // Errors come back as pages to show, not JSON.
    e.detail.headers["Accept"] = "text/html";
  });

  function progressOf(e) {
    var form = e.target && e.target.closest ? e.target.closest("form[data-upload]") : null;
    return form ? form.querySelector("progress") : null;
  }

  document.addEventListener("htmx:xhr:loadstart", function (e) {
    var bar = progressOf(e);
    if (bar) {
      bar.hidden = false;
      bar.removeAttribute("value"); // indeterminate until sizes are known
    }
  });

  document.addEventListener("htmx:xhr:progress", function (e) {
    var bar = progressOf(e);
    if (bar && e.detail.lengthComputable && e.detail.total > 0) {
      bar.max = e.detail.total;
      bar.value = e.detail.loaded;
    }
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var bar = progressOf(e);
    if (bar) {
      bar.hidden = true;
    }
  });
})();
