// The content editor (Trix, vendored under /static/vendor/trix-2.1.19): Chinese toolbar labels, and images pasted or
// dropped into the body uploaded to the item's files (PNG or JPEG; the server checks the bytes and the size) and
// shown from the site's own address. Other files go through the attachment form below the editor.
(function () {
  "use strict";
  var LABELS = {
    attachFiles: "插入图片", bold: "加粗", bullets: "项目符号", byte: "字节", bytes: "字节", captionPlaceholder: "图片说明…",
    code: "代码", heading1: "标题", indent: "增加缩进", italic: "斜体", link: "链接", numbers: "编号",
    outdent: "减少缩进", quote: "引用", redo: "重做", remove: "移除", strike: "删除线", undo: "撤销",
    unlink: "取消链接", url: "网址", urlPlaceholder: "请输入网址（https://…）", GB: "GB", KB: "KB", MB: "MB",
    PB: "PB", TB: "TB"
  };
  var IMAGES = ["image/png", "image/jpeg"];

  function fileSize(size) {
    if (size < 1024) {
      return size + " 字节";
    }
    var units = ["KB", "MB", "GB"];
    var value = size / 1024;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return value.toFixed(1).replace(/\.0$/, "") + " " + units[unit];
  }

  document.addEventListener("trix-before-initialize", function () {
    if (window.Trix && window.Trix.config && window.Trix.config.lang) {
      Object.assign(window.Trix.config.lang, LABELS);
      // the size units were read when Trix loaded: the formatter is replaced, not its words
      window.Trix.config.fileSize.formatter = fileSize;
    }
  });

  function editorOf(event) {
    return event.target instanceof Element ? event.target.closest("trix-editor") : null;
  }

  document.addEventListener("trix-file-accept", function (event) {
    var editor = editorOf(event);
    if (!editor || !editor.dataset.upload || IMAGES.indexOf(event.file.type) < 0) {
      event.preventDefault();
      window.alert(editor && editor.dataset.upload ? "正文只能插入 PNG、JPEG 图片；其他文件请用下方的附件上传。" : "请先保存草稿，再插入图片。");
    }
  });

  document.addEventListener("trix-attachment-add", function (event) {
    var attachment = event.attachment;
    var editor = editorOf(event);
    if (!attachment.file || !editor || !editor.dataset.upload) {
      return;
    }
    var form = new FormData();
    form.append("csrf_token", editor.dataset.csrf || "");
    form.append("image", "1");
    form.append("file", attachment.file, attachment.file.name);
    var request = new XMLHttpRequest();
    request.open("POST", editor.dataset.upload, true);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRF-Token", editor.dataset.csrf || "");
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        attachment.setUploadProgress((progress.loaded / progress.total) * 100);
      }
    });
    request.addEventListener("load", function () {
      var answer = {};
      try {
        answer = JSON.parse(request.responseText);
      } catch (ignored) {
        answer = {};
      }
      if (request.status === 200 && answer.url) {
        attachment.setAttributes({ url: answer.url, href: answer.url });
      } else {
        attachment.remove();
        window.alert(answer.error || "图片上传失败。");
      }
    });
    request.send(form);
  });
})();
