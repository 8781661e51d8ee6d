// @ in a note field (textarea[data-mentions]) offers the colleagues whose name starts with the
// letters typed after it; picking one (arrow keys and Enter or Tab, or a click) writes their
// @username. The list is a listbox the field points to (aria-activedescendant), so screen
// readers follow it. Colleagues come from the address in the script tag's data-url.
(function () {
  "use strict";

  var script = document.currentScript;
  var url = script && script.dataset.url;
  var AT = /(^|[^\w@.])@([\w.+-]*)$/;
  var listId = "mention-options";
  var state = { field: null, start: 0, people: [], active: -1, request: 0 };

  function list() {
    var box = document.getElementById(listId);
    if (!box) {
      box = document.createElement("ul");
      box.id = listId;
      box.className = "mention-options";
      box.setAttribute("role", "listbox");
      box.hidden = true;
      box.addEventListener("mousedown", function (event) {
        var option = event.target.closest("[role=option]");
        if (option) {
          event.preventDefault();
          choose(Number(option.dataset.index));
        }
      });
    }
    return box;
  }

  function close() {
    var box = document.getElementById(listId);
    if (box) {
      box.hidden = true;
    }
    if (state.field) {
      state.field.setAttribute("aria-expanded", "false");
      state.field.removeAttribute("aria-activedescendant");
    }
    state.people = [];
    state.active = -1;
  }

  function show(field, people) {
    var box = list();
    field.parentNode.insertBefore(box, field.nextSibling);
    box.textContent = "";
    people.forEach(function (person, index) {
      var option = document.createElement("li");
      option.id = listId + "-" + index;
      option.setAttribute("role", "option");
      option.dataset.index = String(index);
      var name = document.createElement("span");
      name.textContent = person.name;
      var handle = document.createElement("span");
      handle.className = "mention-handle";
      handle.textContent = "@" + person.username;
      option.append(name, " ", handle);
      box.appendChild(option);
    });
    state.people = people;
    box.hidden = people.length === 0;
    field.setAttribute("aria-expanded", people.length ? "true" : "false");
    highlight(people.length ? 0 : -1);
  }

  function highlight(index) {
    var box = list();
    state.active = index;
    box.querySelectorAll("[role=option]").forEach(function (option, at) {
      option.setAttribute("aria-selected", at === index ? "true" : "false");
    });
    if (index >= 0) {
      state.field.setAttribute("aria-activedescendant", listId + "-" + index);
    } else {
      state.field.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    var person = state.people[index];
    var field = state.field;
    if (!person || !field) {
      return;
    }
    var caret = field.selectionStart;
    var before = field.value.slice(0, state.start) + "@" + person.username + " ";
    field.value = before + field.value.slice(caret);
    field.setSelectionRange(before.length, before.length);
    close();
    field.focus();
  }

  function lookUp(field) {
    var typed = field.value.slice(0, field.selectionStart).match(AT);
    if (!typed || !typed[2]) {
      close();
      return;
    }
    state.field = field;
    state.start = field.selectionStart - typed[2].length - 1;
    var request = ++state.request;
    fetch(url + "?q=" + encodeURIComponent(typed[2]), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { people: [] };
      })
      .then(function (answer) {
        if (request === state.request && document.activeElement === field) {
          show(field, answer.people || []);
        }
      })
      .catch(close);
  }

  function prepare(field) {
    if (!field.hasAttribute("aria-controls")) {
      field.setAttribute("aria-controls", listId);
      field.setAttribute("aria-autocomplete", "list");
      field.setAttribute("aria-expanded", "false");
    }
  }

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-mentions]")) {
      prepare(event.target);
    }
  });

  document.addEventListener("input", function (event) {
    if (url && event.target.matches && event.target.matches("textarea[data-mentions]")) {
      lookUp(event.target);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.target !== state.field || !state.people.length) {
      return;
    }
    var count = state.people.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight((state.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(state.active < 0 ? 0 : state.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === state.field) {
      close();
    }
  });
})();
