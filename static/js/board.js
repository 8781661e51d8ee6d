// The funnel board: drag a card to another column to move its lead (SortableJS, served from
// our static files). The server answers with the board as it now is: the card in its new
// column, or back where it was with the reason the move was refused. A move that needs details
// (or a claim) sends the browser to the lead page's move form instead.
(function () {
  "use strict";

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      return headers["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function init(board) {
    board.classList.add("board-live");
    board.querySelectorAll(".board-cards[data-stage]").forEach(function (list) {
      window.Sortable.create(list, {
        group: "funnel",
        sort: false,
        draggable: ".board-card",
        forceFallback: true,
        fallbackTolerance: 4,
        ghostClass: "board-card-ghost",
        chosenClass: "board-card-chosen",
        dragClass: "board-card-drag",
        onEnd: function (event) {
          if (event.from !== event.to) {
            drop(board, event.item, event.to);
          }
        },
      });
    });
  }

  function drop(board, card, list) {
    board.setAttribute("aria-busy", "true");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ to_stage: list.dataset.stage }),
    })
      .then(function (response) {
        var redirect = response.headers.get("HX-Redirect");
        if (redirect) {
          window.location.assign(redirect);
          return;
        }
        if (response.status >= 500 || !response.headers.get("Content-Type").startsWith("text/html")) {
          window.location.reload();
          return;
        }
        return response.text().then(function (html) {
          replace(board, html);
        });
      })
      .catch(function () {
        window.location.reload();
      });
  }

  function replace(board, html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var fresh = template.content.querySelector("#board");
    if (!fresh) {
      window.location.reload();
      return;
    }
    board.replaceWith(fresh);
    init(fresh);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (board && window.Sortable) {
      init(board);
    }
  });
})();
