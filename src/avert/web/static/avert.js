/* avert's pages on a bad network (a file, not inline: the CSP allows only avert's
   own scripts). Served by avert itself, as htmx is; nothing is fetched elsewhere. */
(function () {
  "use strict";

  /* A form sent by htmx that got no answer (network down, request aborted or
     timed out) said nothing: the previous briefing stayed under the new window's
     form as if it were its answer. Its target now says that nothing came. A hung
     server gave no answer at all: the Today form times out (its hx-request
     timeout, 60 s) and says the same. */
  function alertBox(id, heading, message) {
    var box = document.createElement("div");
    box.className = "card narrow";
    box.id = id;
    box.setAttribute("role", "alert");
    var title = document.createElement("h2");
    title.textContent = heading;
    var text = document.createElement("p");
    text.className = "error";
    text.textContent = message;
    box.append(title, text);
    return box;
  }
  function noAnswer(event) {
    var target = event.detail && event.detail.target;
    if (!target) {
      return;
    }
    target.replaceChildren(alertBox("error-network", "No answer",
      "avert did not answer (the network or the server is down), " +
      "so nothing is shown for this window. Try again."));
    target.removeAttribute("aria-busy");
  }
  document.addEventListener("htmx:sendError", noAnswer);
  document.addEventListener("htmx:timeout", noAnswer);

  /* An error answer without a message (a gateway's empty 502 or 504) was swapped
     in as a blank space: it now says which error came. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail || !detail.isError || !detail.target ||
        (detail.serverResponse || "").trim() !== "") {
      return;
    }
    var status = String(detail.xhr ? detail.xhr.status : "");
    detail.shouldSwap = false;
    detail.target.replaceChildren(alertBox("error-" + status, "Error " + status,
      "The answer held no message (the network or a server between avert " +
      "and you failed), so nothing is shown for this window. Try again."));
  });

  /* Say to a screen reader that the target is being replaced. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target) {
      target.setAttribute("aria-busy", "true");
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target) {
      target.removeAttribute("aria-busy");
    }
  });

  /* A form that changes something (POST, not sent by htmx) is sent once: a double
     click on "Task this" or "Done" sent it twice. Its buttons stay disabled until
     the next page; Back to this page enables them again. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) ||
        form.method.toLowerCase() !== "post" || form.hasAttribute("hx-post")) {
      return;
    }
    if (form.dataset.sent === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "true";
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = false;
      });
    });
  });
}());
