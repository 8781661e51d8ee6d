// The funnel board: drag a card to another column, or pick a column in the card's "Move to…"
// menu (keyboard and screen readers), to move its lead (SortableJS, served from our static
// files). The server answers with the board as it now is: the card on its new column, brought
// into view, or back where it was with the reason the move was refused; what happened is read
// out. A move that needs details sends the browser to the lead page's form of that move.
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
        filter: ".board-card-moves",
        preventOnFilter: false,
        forceFallback: true,
        fallbackTolerance: 4,
        ghostClass: "board-card-ghost",
        chosenClass: "board-card-chosen",
        dragClass: "board-card-drag",
        onEnd: function (event) {
          if (event.from !== event.to) {
            move(board, event.item.dataset.moveUrl, event.to.dataset.stage, null);
          }
        },
      });
    });
    var menu = board.querySelector("#board-move");
    if (menu) {
      menu.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !button.formAction) {
          return;
        }
        event.preventDefault();
        move(board, button.formAction, button.value, button.closest(".board-card").dataset.lead);
      });
    }
    board.addEventListener("keydown", function (event) {
      var open = event.target.closest && event.target.closest("details.board-card-moves[open]");
      if (event.key === "Escape" && open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
    });
  }

  function move(board, url, stage, focusLead) {
    board.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ to_stage: stage }),
    })
      .then(function (response) {
        var redirect = response.headers.get("HX-Redirect");
        if (redirect) {
          window.location.assign(redirect);
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        if (response.status >= 500 || !type.startsWith("text/html")) {
          window.location.reload();
          return;
        }
        return response.text().then(function (html) {
          replace(board, html, focusLead);
        });
      })
      .catch(function () {
        window.location.reload();
      });
  }

  function replace(board, html, focusLead) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var fresh = template.content.querySelector("#board");
    if (!fresh) {
      window.location.reload();
      return;
    }
    board.replaceWith(fresh);
    init(fresh);
    show(fresh, focusLead);
  }

  // Bring the moved card into view on its column, give the keyboard back to where it was,
  // and read out what happened.
  function show(board, focusLead) {
    var moved = board.querySelector(".board-card-moved");
    if (moved) {
      moved.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    if (focusLead) {
      var card = board.querySelector('.board-card[data-lead="' + focusLead + '"]');
      var target = card && card.querySelector("summary");
      if (target) {
        target.focus({ preventScroll: Boolean(moved) });
      }
    }
    var notice = board.querySelector(".board-notice");
    var announce = document.getElementById("board-announce");
    if (notice && announce) {
      announce.textContent = notice.textContent;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (board && window.Sortable) {
      init(board);
      var moved = board.querySelector(".board-card-moved");
      if (moved) {
        moved.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    }
  });
})();
