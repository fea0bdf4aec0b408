import Mustache

/// The portal's templates, stylesheet and script, kept in the binary so a `fawang serve` needs no
/// files beside it. Mustache escapes every `{{value}}`; scripts and styles are files (the CSP
/// forbids inline ones).
enum PortalTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in templates.merging(PublicInfoTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(AppointmentTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(DeskTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(ConsultationPages.templates, uniquingKeysWith: { own, _ in own })
            .merging(DashboardTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(ImportTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(SurveyTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(OpinionTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(OversightTemplates.templates, uniquingKeysWith: { own, _ in own })
            .merging(BulletinTemplates.templates, uniquingKeysWith: { own, _ in own }) {
            try library.register(text, named: name)
        }
        return library
    }

    static let templates: [String: String] = [
        "top": """
            <!doctype html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}} - 12348宁夏法网</title>
            <link rel="stylesheet" href="/static/portal.css">
            <link rel="manifest" href="/manifest.webmanifest">
            <link rel="icon" href="/static/icon-192.png">
            <link rel="apple-touch-icon" href="/static/icon-192.png">
            <meta name="theme-color" content="#b3261e">
            <script src="/static/portal.js" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">跳到主要内容</a>
            <header class="site">
              <a class="brand" href="/"><span class="logo">12348</span><span class="name">宁夏法网</span></a>
              <p class="hotline">法律服务热线 <a href="tel:12348">12348</a></p>
              <button type="button" id="large-text" aria-pressed="false">大字模式</button>
            </header>
            <nav class="main" aria-label="主导航"><a href="/">首页</a><a href="/apply">在线申请</a><a href="/progress">进度查询</a><a href="/guide">服务指引</a><a href="/consultation">法律咨询</a><a href="/laws">法规查询</a><a href="/directory">机构查询</a><a href="/publicity">法治宣传</a><a href="/disclosure">信息公开</a><a href="/appointments">网上预约</a><a href="/surveys">问卷调查</a><a href="/my">我的事项</a><a href="/staff" class="staff">工作人员入口</a></nav>
            <main id="main">
            """,
        "bottom": """
            </main>
            <footer class="site">宁夏回族自治区司法厅 · 12348 公共法律服务热线 · 法网</footer>
            </body>
            </html>
            """,
        "fields": """
            {{#sections}}
            <fieldset>
            {{#hasLegend}}<legend>{{legend}}</legend>{{/hasLegend}}
            {{#fields}}
            <div class="field{{#hasError}} invalid{{/hasError}}">
              {{#isCheckbox}}<label><input type="checkbox" id="{{id}}" name="{{name}}"{{#checked}} checked{{/checked}}> {{label}}</label>{{/isCheckbox}}
              {{#isChoices}}<fieldset class="choices" id="{{id}}"{{#hasError}} aria-invalid="true" aria-describedby="{{id}}-error"{{/hasError}}><legend>{{label}}</legend>{{#options}}<label><input type="checkbox" id="{{id}}-{{index}}" name="{{name}}" value="{{value}}"{{#selected}} checked{{/selected}}> {{label}}</label>{{/options}}</fieldset>{{/isChoices}}
              {{^isCheckbox}}{{^isChoices}}<label for="{{id}}">{{label}}</label>{{/isChoices}}{{/isCheckbox}}
              {{#isText}}<input type="text" id="{{id}}" name="{{name}}" value="{{value}}"{{#hasError}} aria-invalid="true" aria-describedby="{{id}}-error"{{/hasError}}>{{/isText}}
              {{#isNumber}}<input type="number" inputmode="numeric" id="{{id}}" name="{{name}}" value="{{value}}"{{#hasError}} aria-invalid="true" aria-describedby="{{id}}-error"{{/hasError}}>{{/isNumber}}
              {{#isLongText}}<textarea id="{{id}}" name="{{name}}" rows="4"{{#hasError}} aria-invalid="true" aria-describedby="{{id}}-error"{{/hasError}}>{{value}}</textarea>{{/isLongText}}
              {{#isLines}}<textarea id="{{id}}" name="{{name}}" rows="3"{{#hasError}} aria-invalid="true" aria-describedby="{{id}}-error"{{/hasError}}>{{value}}</textarea>{{/isLines}}
              {{#isChoice}}<select id="{{id}}" name="{{name}}"{{#hasError}} aria-invalid="true" aria-describedby="{{id}}-error"{{/hasError}}><option value="">请选择</option>{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/options}}</select>{{/isChoice}}
              {{#hasError}}<p class="error" id="{{id}}-error">{{error}}</p>{{/hasError}}
            </div>
            {{/fields}}
            </fieldset>
            {{/sections}}
            """,
        "upload": """
            {{#upload}}
            <div class="field{{#hasError}} invalid{{/hasError}}">
              <label for="f-files">上传材料（可选）</label>
              <input type="file" id="f-files" name="_files" multiple accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby="f-files-hint{{#hasError}} f-files-error{{/hasError}}"{{#hasError}} aria-invalid="true"{{/hasError}}>
              <p class="muted" id="f-files-hint">{{hint}}</p>
              {{#hasError}}<p class="error" id="f-files-error">{{error}}</p>{{/hasError}}
            </div>
            {{/upload}}
            """,
        "deadlines": """
            <ul class="deadlines">{{#deadlines}}<li class="deadline {{stateClass}}"><strong>{{label}}</strong> <span class="state">{{state}}</span><br>{{summary}}<br><span class="article">依据：{{#hasArticleLink}}<a href="{{articleHref}}">{{article}}</a>{{/hasArticleLink}}{{^hasArticleLink}}{{article}}{{/hasArticleLink}}</span></li>{{/deadlines}}</ul>
            """,
        "laws": """
            {{> top}}
            <h1>法律法规（案例）查询</h1>
            <form method="get" action="/laws" class="inline" role="search">
            <div class="field"><label for="f-q">查找（可输入多个词，用空格分开）</label>
              <input type="search" id="f-q" name="q" value="{{query}}" autocomplete="off"></div>
            <div class="field"><label for="f-level">效力层级</label>
              <select id="f-level" name="level"><option value="">全部</option>{{#levels}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/levels}}</select></div>
            <div class="field"><label><input type="checkbox" name="current"{{#current}} checked{{/current}}> 只看现行有效版本</label></div>
            <p><button type="submit" class="button">查找</button></p>
            </form>
            <form method="get" action="/laws/article" class="inline">
            <div class="field"><label for="f-cite">按条文查找（如：法律援助法第四十三条）</label>
              <input type="text" id="f-cite" name="c" value="" autocomplete="off"></div>
            <p><button type="submit" class="button secondary">查看条文</button></p>
            </form>
            {{#hasMessage}}<div class="alert" role="alert">{{message}}</div>{{/hasMessage}}
            {{#hasQuery}}<p class="muted" id="law-total">共找到 {{total}} 条</p>{{/hasQuery}}
            <ol class="law-hits">{{#hits}}<li><a href="{{href}}">{{citation}}</a>{{#hasVersion}} <span class="muted">{{version}}</span>{{/hasVersion}}{{#superseded}} <span class="tag">已被修订</span>{{/superseded}} <span class="muted">[{{level}}]</span><br><span class="snippet">{{#parts}}{{#mark}}<mark>{{text}}</mark>{{/mark}}{{^mark}}{{text}}{{/mark}}{{/parts}}</span></li>{{/hits}}</ol>
            {{#hasNext}}<p><a class="button secondary" href="{{nextHref}}">下一页</a></p>{{/hasNext}}
            {{> bottom}}
            """,
        "law-article": """
            {{> top}}
            <p><a href="/laws">← 法律法规查询</a></p>
            <h1 id="law-citation">{{citation}}</h1>
            <p class="muted">{{level}}{{#hasVersion}} · {{version}}{{/hasVersion}}{{#superseded}} · <span class="tag">已被修订，非现行版本</span>{{/superseded}}{{#hasHeading}} · {{heading}}{{/hasHeading}}</p>
            <div class="law-text" id="law-text">{{#paragraphs}}<p>{{.}}</p>{{/paragraphs}}</div>
            {{> bottom}}
            """,
        "materials": """
            <ul class="materials">{{#materials}}<li><strong>{{title}}</strong> <span class="muted">{{fileName}} · {{size}} · {{at}}</span>{{#download}} <a href="/staff/material/{{id}}" download>下载</a>{{/download}}<br><span class="hash" title="SHA-256 {{sha256}}">SHA-256 {{shortHash}}…</span>{{#hasUploadedBy}} <span class="muted">[{{uploadedBy}}]</span>{{/hasUploadedBy}}</li>{{/materials}}</ul>
            """,
        "home": """
            {{> top}}
            <section class="hero">
              <h1>有法律问题，找12348</h1>
              <p>法律援助、人民调解、公证、司法鉴定、律师服务……在线申请，凭受理编号随时查询进度。</p>
              <p class="actions"><a class="button" href="/apply">在线申请</a><a class="button secondary" href="/progress">进度查询</a><a class="button secondary" href="/guide">不知道找谁？服务指引</a></p>
            </section>
            <form method="get" action="/region" class="region">
              <label for="f-region">所在地区</label>
              <select id="f-region" name="code"><option value="">全区（不限）</option>{{#groups}}<optgroup label="{{name}}">{{#options}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/options}}</optgroup>{{/groups}}</select>
              <button type="submit" class="button secondary">切换</button>
            </form>
            <h2>公共法律服务{{#hasRegion}}（{{regionName}}）{{/hasRegion}}</h2>
            <ul class="services">
            {{#services}}
              <li class="service"><h3>{{name}}</h3>
                {{#hasLinks}}<ul>{{#links}}<li><a href="{{href}}">{{title}}</a></li>{{/links}}</ul>{{/hasLinks}}
                {{^hasLinks}}<p class="muted">请拨打12348或到服务窗口办理</p>{{/hasLinks}}
              </li>
            {{/services}}
            </ul>
            {{> bottom}}
            """,
        "apply-list": """
            {{> top}}
            <h1>在线申请</h1>
            <ul class="forms">{{#forms}}<li><a href="{{href}}">{{title}}</a></li>{{/forms}}</ul>
            {{^forms}}<p>暂无可在线申请的服务，请拨打12348咨询。</p>{{/forms}}
            {{> bottom}}
            """,
        "form": """
            {{> top}}
            <h1>{{formTitle}}</h1>
            {{#hasMessage}}<div class="alert" role="alert" id="form-message">{{message}}</div>{{/hasMessage}}
            <form method="post" action="{{action}}" enctype="multipart/form-data" novalidate>
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <input type="hidden" name="_request_id" value="{{requestID}}">
            {{#slot}}<input type="hidden" name="_slot" value="{{id}}">
            <div class="alert" role="status" id="visit-slot">同时预约：{{office}} {{day}}（{{weekday}}）{{period}}办理{{service}}。提交申请即完成预约；申请与预约一并办理，该时段约满则申请不提交。</div>{{/slot}}
            {{> fields}}
            <fieldset><legend>申请材料</legend>{{> upload}}</fieldset>
            <p><button type="submit" class="button">提交申请</button></p>
            </form>
            {{> bottom}}
            """,
        "submitted": """
            {{> top}}
            <h1>提交成功</h1>
            <div class="receipt" role="status">
              <p>{{formTitle}}已提交，当前状态：<strong>{{statusLabel}}</strong></p>
              <p>受理编号：<strong id="tracking-number">{{trackingNumber}}</strong></p>
              {{#booking}}<p id="visit-booking">已预约 {{slot.office}} {{slot.day}}（{{slot.weekday}}）{{slot.period}}，预约号 <strong>{{number}}</strong>；请携带身份证件和申请材料原件按时到场。</p>{{/booking}}
              {{#trackable}}<p class="muted">请记下受理编号。凭受理编号和手机号后四位可随时查询办理进度。</p>{{/trackable}}
              {{^trackable}}<p class="muted">请记下受理编号。未留手机号的事项不能在线查询进度；需要了解处理情况的，请凭受理编号拨打12348或到受理窗口查询。</p>{{/trackable}}
              {{#hasDeadlines}}<ul class="deadlines">{{#deadlines}}<li>{{summary}}</li>{{/deadlines}}</ul>{{/hasDeadlines}}
              {{#hasMaterials}}<h2>已上传的材料</h2>{{> materials}}{{/hasMaterials}}
              {{#hasRefused}}<div class="alert" role="alert" id="refused-files"><p>以下文件未能上传（申请已提交）：</p><ul>{{#refused}}<li>{{.}}</li>{{/refused}}</ul></div>{{/hasRefused}}
            </div>
            {{#trackable}}<p><a class="button" href="/progress">查询办理进度</a></p>{{/trackable}}
            {{> bottom}}
            """,
        "progress": """
            {{> top}}
            <h1>办理进度查询</h1>
            {{#hasMessage}}<div class="alert" role="alert">{{message}}</div>{{/hasMessage}}
            <form method="post" action="/progress" class="inline">
            <div class="field"><label for="f-tracking">受理编号</label>
              <input type="text" id="f-tracking" name="tracking_number" value="{{trackingNumber}}" inputmode="numeric" autocomplete="off">
              {{#hasTrackingError}}<p class="error">{{trackingError}}</p>{{/hasTrackingError}}</div>
            <div class="field"><label for="f-last4">申请时所留手机号的后四位</label>
              <input type="text" id="f-last4" name="phone_last4" value="{{phoneLast4}}" inputmode="numeric" maxlength="4" autocomplete="off">
              {{#hasPhoneError}}<p class="error">{{phoneError}}</p>{{/hasPhoneError}}</div>
            <p><button type="submit" class="button">查询</button></p>
            </form>
            <section id="last-progress" class="report" hidden aria-label="上次查询的结果"></section>
            {{#report}}
            <section class="report" id="current-progress" aria-labelledby="report-title">
              <h2 id="report-title">{{line}} · {{type}}</h2>
              <dl>
                <dt>受理编号</dt><dd>{{trackingNumber}}</dd>
                <dt>当前状态</dt><dd id="status-label">{{statusLabel}}</dd>
                <dt>申请人</dt><dd>{{applicant}}</dd>
                <dt>受理地区</dt><dd>{{region}}</dd>
              </dl>
              <h3>办理期限</h3>
              {{> deadlines}}
              <h3>办理记录</h3>
              <ol class="timeline">{{#timeline}}<li><time>{{at}}</time> {{label}}{{#hasNote}}：{{note}}{{/hasNote}}</li>{{/timeline}}</ol>
            </section>
            {{#upload}}
            <section class="report" aria-labelledby="upload-title">
              <h2 id="upload-title">补充上传材料</h2>
              <form method="post" action="/progress/upload" enctype="multipart/form-data" id="upload-form">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <input type="hidden" name="tracking_number" value="{{report.trackingNumber}}">
              <input type="hidden" name="phone_last4" value="{{phoneLast4}}">
              {{> upload}}
              <p><button type="submit" class="button">上传</button></p>
              </form>
            </section>
            {{/upload}}
            {{#rating}}
            <section class="report" aria-labelledby="rating-title">
              <h2 id="rating-title">办结后评价</h2>
              <form method="post" action="/progress/rate" id="rating-form">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <input type="hidden" name="tracking_number" value="{{report.trackingNumber}}">
              <input type="hidden" name="phone_last4" value="{{phoneLast4}}">
              <div class="field"><label for="f-score">满意度</label>
                <select id="f-score" name="score" required><option value="">请选择</option>{{#scores}}<option value="{{value}}">{{label}}</option>{{/scores}}</select></div>
              <div class="field"><label for="f-comment">评价内容（选填，500字以内）</label>
                <textarea id="f-comment" name="comment" maxlength="500" rows="3"></textarea></div>
              <p><button type="submit" class="button">提交评价</button></p>
              </form>
            </section>
            {{/rating}}
            {{/report}}
            {{> bottom}}
            """,
        "staff-login": """
            {{> top}}
            <h1>工作人员登录</h1>
            {{#hasMessage}}<div class="alert" role="alert">{{message}}</div>{{/hasMessage}}
            <form method="post" action="/staff/login" class="narrow">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <div class="field"><label for="f-login">账号</label><input type="text" id="f-login" name="login" autocomplete="username"></div>
            <div class="field"><label for="f-password">密码</label><input type="password" id="f-password" name="password" autocomplete="current-password"></div>
            <p><button type="submit" class="button">登录</button></p>
            </form>
            {{> bottom}}
            """,
        "staff-queue": """
            {{> top}}
            <div class="bar"><h1>待办事项</h1><span class="muted">{{who}}</span><a href="/staff/dashboard">监管统计</a><a href="/staff/import">批量导入</a><a href="/staff/surveys">问卷调查</a><a href="/staff/opinion">舆情分析</a><a href="/staff/oversight">机构监管</a><a href="/staff/bulletins">考核通报</a>{{#isAdmin}}<a href="/staff/admin">模块开关总览</a>{{/isAdmin}}
              <form method="post" action="/staff/logout"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="link">退出</button></form></div>
            <form method="get" action="/staff" class="filters">
              <div class="field"><label for="f-line">业务条线</label><input type="text" id="f-line" name="line" value="{{line}}" placeholder="如 legal-aid"></div>
              <div class="field"><label for="f-status">状态</label><input type="text" id="f-status" name="status" value="{{status}}" placeholder="如 submitted"></div>
              <p><button type="submit" class="button secondary">筛选</button></p>
            </form>
            {{#hasFilterMessage}}<div class="alert" role="alert">{{filterMessage}}</div>{{/hasFilterMessage}}
            {{#isHandler}}<div id="live-alerts" aria-live="polite"><p class="status muted">正在连接实时期限提醒…</p><ul class="deadlines"></ul></div>{{/isHandler}}
            <script src="/static/workbench.js" defer></script>
            <p class="legend"><span class="dot overdue"></span>已逾期 <span class="dot due-soon"></span>即将到期 <span class="dot running"></span>期限内 <span class="dot finished"></span>已办结</p>
            <div class="table-wrap"><table class="queue">
            <thead><tr><th>受理编号</th><th>事项</th><th>状态</th><th>申请人</th><th>地区</th><th>期限</th></tr></thead>
            <tbody>
            {{#rows}}<tr class="{{stateClass}}" data-number="{{trackingNumber}}"><td><a href="{{href}}">{{trackingNumber}}</a></td><td>{{line}} · {{type}}</td><td>{{status}}</td><td>{{applicant}}</td><td>{{region}}</td><td><span class="state">{{state}}</span> {{deadline}}</td></tr>{{/rows}}
            </tbody></table></div>
            {{#empty}}<p class="muted">没有符合条件的事项。</p>{{/empty}}
            {{> bottom}}
            """,
        "staff-matter": """
            {{> top}}
            <p><a href="/staff">← 返回待办事项</a></p>
            <h1>{{line}} · {{type}}</h1>
            {{#hasNotice}}<div class="alert" role="status" id="step-notice">{{notice}}</div>{{/hasNotice}}
            <section class="report">
              <dl>
                <dt>受理编号</dt><dd id="tracking-number">{{trackingNumber}}</dd>
                <dt>当前状态</dt><dd id="status-label">{{status}}</dd>
                <dt>申请人</dt><dd>{{applicant}}</dd>
                <dt>身份证号</dt><dd>{{idNumber}}</dd>
                <dt>联系电话</dt><dd>{{phone}}</dd>
                <dt>受理地区</dt><dd>{{region}}</dd>
                <dt>受理渠道</dt><dd>{{channel}}</dd>
              </dl>
              <h2>办理期限</h2>
              {{> deadlines}}
              <h2>办理记录</h2>
              <ol class="timeline">{{#timeline}}<li><time>{{at}}</time> {{label}}{{#hasNote}}：{{note}}{{/hasNote}}{{#hasActor}} <span class="muted">[{{actor}}]</span>{{/hasActor}}</li>{{/timeline}}</ol>
              <h2>申请材料</h2>
              {{#hasMaterials}}<div id="materials">{{> materials}}</div>{{/hasMaterials}}
              {{^hasMaterials}}<p class="muted">暂无上传的材料。</p>{{/hasMaterials}}
              <details class="step"><summary>上传扫描件</summary>
              <form method="post" action="{{uploadAction}}" enctype="multipart/form-data" id="staff-upload">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              {{> upload}}
              <p><button type="submit" class="button">上传</button></p>
              </form></details>
            </section>
            <h2>办理</h2>
            {{#actions}}
            <details class="step"{{#failed}} open{{/failed}}><summary>{{title}}</summary>
            <form method="post" action="{{action}}" id="step-{{verb}}">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            {{> fields}}
            <p><button type="submit" class="button">{{title}}</button></p>
            </form></details>
            {{/actions}}
            {{> bottom}}
            """,
        "admin": """
            {{> top}}
            <p><a href="/staff">← 返回工作台</a></p>
            <h1>模块开关总览</h1>
            <p class="muted">各地区是否开展各项业务：模块本身的开关与 modules.&lt;模块&gt;.regions.&lt;地区代码&gt;.enabled 地区开关合并后的结果（县区未单独设置的，随所在市、再随自治区）。在配置文件中修改，保存后一秒内生效；本页每3秒刷新，最近刷新：<span id="refreshed">—</span>。</p>
            <div class="table-wrap"><table class="matrix">
            <thead><tr><th scope="col">地区</th>{{#modules}}<th scope="col">{{name}}<br><span class="muted" data-health="{{id}}">{{health}}</span></th>{{/modules}}</tr></thead>
            <tbody>
            {{#rows}}<tr><th scope="row" class="{{indent}}">{{name}} <span class="muted">{{code}}</span></th>{{#cells}}<td data-key="{{key}}" class="{{#on}}on{{/on}}{{^on}}off{{/on}}">{{text}}</td>{{/cells}}</tr>{{/rows}}
            </tbody></table></div>
            <script src="/static/admin.js" defer></script>
            {{> bottom}}
            """,
        "my-login": """
            {{> top}}
            <h1>我的事项</h1>
            {{#hasMessage}}<div class="alert" role="alert">{{message}}</div>{{/hasMessage}}
            <div class="columns">
            <section class="report"><h2>登录</h2>
            <form method="post" action="/my/login">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <div class="field"><label for="f-my-login">手机号码</label><input type="text" id="f-my-login" name="login" inputmode="numeric" autocomplete="username"></div>
            <div class="field"><label for="f-my-password">密码</label><input type="password" id="f-my-password" name="password" autocomplete="current-password"></div>
            <p><button type="submit" class="button">登录</button></p>
            </form></section>
            <section class="report"><h2>实名注册</h2>
            <form method="post" action="/my/register" id="register">
            <input type="hidden" name="_csrf" value="{{csrf}}">
            <div class="field{{#has_e_name}} invalid{{/has_e_name}}"><label for="f-reg-name">姓名</label><input type="text" id="f-reg-name" name="name" value="{{v_name}}" autocomplete="name">{{#has_e_name}}<p class="error">{{e_name}}</p>{{/has_e_name}}</div>
            <div class="field{{#has_e_id_number}} invalid{{/has_e_id_number}}"><label for="f-reg-id">身份证号</label><input type="text" id="f-reg-id" name="id_number" value="{{v_id_number}}">{{#has_e_id_number}}<p class="error" id="f-reg-id-error">{{e_id_number}}</p>{{/has_e_id_number}}</div>
            <div class="field{{#has_e_phone}} invalid{{/has_e_phone}}"><label for="f-reg-phone">手机号码（登录用）</label><input type="text" id="f-reg-phone" name="phone" value="{{v_phone}}" inputmode="numeric" autocomplete="tel">{{#has_e_phone}}<p class="error">{{e_phone}}</p>{{/has_e_phone}}</div>
            <div class="field{{#has_e_password}} invalid{{/has_e_password}}"><label for="f-reg-password">密码（至少8位，含字母和数字）</label><input type="password" id="f-reg-password" name="password" autocomplete="new-password">{{#has_e_password}}<p class="error">{{e_password}}</p>{{/has_e_password}}</div>
            <p><button type="submit" class="button">注册并登录</button></p>
            </form></section>
            </div>
            {{> bottom}}
            """,
        "my-matters": """
            {{> top}}
            <div class="bar"><h1>我的事项</h1><span class="muted">{{who}}</span>
              <form method="post" action="/my/logout"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" class="link">退出</button></form></div>
            <p class="muted">登录后在线提交的事项都在这里；查看办理进度请用受理编号和手机号后四位。</p>
            <div class="table-wrap"><table class="queue" id="my-matters">
            <thead><tr><th>受理编号</th><th>事项</th><th>状态</th><th>提交时间</th></tr></thead>
            <tbody>{{#rows}}<tr><td>{{trackingNumber}}</td><td>{{line}} · {{type}}</td><td>{{status}}</td><td>{{submitted}}</td></tr>{{/rows}}</tbody>
            </table></div>
            {{#empty}}<p class="muted">还没有登录后提交的事项。<a href="/apply">在线申请</a></p>{{/empty}}
            {{> bottom}}
            """,
        "message": """
            {{> top}}
            <h1>{{heading}}</h1>
            <p>{{text}}</p>
            <p><a href="/">返回首页</a></p>
            {{> bottom}}
            """,
    ]

    static let css = """
        :root { --red: #b3261e; --ink: #1d1d1f; --muted: #5f6368; --line: #d8d8dc; --bg: #f6f4f1; --ok: #1b7f3b; --warn: #a15c00; font-size: 16px; }
        html.large { font-size: 21px; }
        * { box-sizing: border-box; }
        body { margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: var(--bg); line-height: 1.6; }
        a { color: var(--red); }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; }
        header.site { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 0.75rem 1rem; background: var(--red); color: #fff; }
        header.site a { color: #fff; text-decoration: none; }
        .brand { display: flex; align-items: center; gap: 0.5rem; font-size: 1.4rem; font-weight: 700; }
        .logo { background: #fff; color: var(--red); border-radius: 4px; padding: 0 0.4rem; }
        .hotline { margin: 0; flex: 1; } .hotline a { font-weight: 700; font-size: 1.2rem; }
        #large-text { background: transparent; color: #fff; border: 1px solid #fff; border-radius: 4px; padding: 0.3rem 0.7rem; font-size: 1rem; cursor: pointer; }
        nav.main { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding: 0.5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
        nav.main a { text-decoration: none; font-weight: 600; white-space: nowrap; } nav.main a.staff { margin-left: auto; font-weight: 400; }
        main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
        .hero { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; }
        .button { display: inline-block; background: var(--red); color: #fff; border: 0; border-radius: 6px; padding: 0.6rem 1.2rem; font-size: 1rem; text-decoration: none; cursor: pointer; }
        .button.secondary { background: #fff; color: var(--red); border: 1px solid var(--red); }
        .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; }
        .services { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 0.75rem; }
        .service { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; }
        .service h3 { margin: 0 0 0.25rem; } .service ul { margin: 0; padding-left: 1.1rem; }
        .muted { color: var(--muted); }
        form fieldset { border: 1px solid var(--line); border-radius: 8px; background: #fff; margin: 0 0 1rem; padding: 0.75rem 1rem; }
        legend { font-weight: 700; padding: 0 0.25rem; }
        .field { margin: 0 0 0.9rem; }
        .field > label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
        input[type=text], input[type=search], input[type=number], input[type=date], select, textarea { width: 100%; font: inherit; padding: 0.5rem; border: 1px solid #9a9aa0; border-radius: 6px; background: #fff; }
        .field.invalid input, .field.invalid select, .field.invalid textarea { border: 2px solid var(--red); }
        .error { color: var(--red); margin: 0.25rem 0 0; font-weight: 600; }
        .alert { border-left: 4px solid var(--red); background: #fff3f2; padding: 0.6rem 0.9rem; margin: 0 0 1rem; }
        .receipt, .report { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1.25rem; margin-bottom: 1rem; }
        form.filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: flex-end; } form.filters .field { flex: 1 1 9rem; }
        .counters { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; }
        .chart-panel h2 .button { font-size: 0.85rem; padding: 0.3rem 0.7rem; margin-left: 0.75rem; vertical-align: middle; }
        #tracking-number { font-size: 1.4rem; letter-spacing: 0.05em; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; } dt { color: var(--muted); } dd { margin: 0; }
        .deadlines { list-style: none; padding: 0; } .deadline { border-left: 4px solid var(--ok); padding: 0.25rem 0.75rem; margin-bottom: 0.5rem; background: #fafafa; }
        .deadline.due-soon { border-color: var(--warn); } .deadline.overdue { border-color: var(--red); } .deadline.paused { border-color: var(--muted); }
        .state { font-size: 0.9rem; color: var(--muted); } .article { font-size: 0.9rem; color: var(--muted); }
        .timeline time { color: var(--muted); margin-right: 0.5rem; }
        fieldset.choices { border: none; padding: 0; margin: 0; }
        fieldset.choices legend { font-weight: 600; padding: 0; margin-bottom: 0.25rem; }
        fieldset.choices label { display: block; font-weight: normal; margin: 0.3rem 0; }
        fieldset.survey-question legend { font-weight: 600; padding: 0 0.25rem; }
        fieldset.survey-question .choices label { display: inline-block; font-weight: normal; margin: 0.3rem 1.25rem 0.3rem 0; }
        fieldset.survey-question.invalid { border-color: var(--red); }
        ul.texts li { margin: 0.4rem 0; }
        .law-hits li { margin: 0.8rem 0; }
        .law-hits mark, .snippet mark { background: #fde68a; color: inherit; }
        .tag { background: var(--muted); color: #fff; border-radius: 3px; padding: 0 0.3rem; font-size: 0.85em; }
        .law-text p { text-indent: 2em; line-height: 1.9; }
        .materials { list-style: none; padding: 0; }
        .materials li { margin: 0.5rem 0; overflow-wrap: anywhere; }
        .hash { font-family: monospace; font-size: 0.85em; color: var(--muted); }
        input[type=file] { max-width: 100%; }
        .bar { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1rem; } .bar form { margin-left: auto; }
        button.link { background: none; border: 0; color: var(--red); text-decoration: underline; font: inherit; cursor: pointer; }
        .filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: end; } .filters .field { flex: 1 1 10rem; }
        .narrow { max-width: 24rem; } input[type=password] { width: 100%; font: inherit; padding: 0.5rem; border: 1px solid #9a9aa0; border-radius: 6px; }
        .table-wrap { overflow-x: auto; } table.queue { width: 100%; border-collapse: collapse; background: #fff; }
        .queue td:first-child, .queue td:nth-child(4), .queue td:nth-child(5), .queue th { white-space: nowrap; }
        .queue th, .queue td { text-align: left; padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .queue tr { border-left: 6px solid transparent; } .queue tr.overdue { border-left-color: var(--red); background: #fff3f2; }
        .queue tr.due-soon { border-left-color: var(--warn); background: #fff8ec; } .queue tr.running { border-left-color: var(--ok); } .queue tr.paused { border-left-color: var(--muted); } .queue tr.finished { color: var(--muted); }
        .legend .dot { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; margin: 0 0.2rem 0 0.6rem; vertical-align: middle; }
        .dot.overdue { background: var(--red); } .dot.due-soon { background: var(--warn); } .dot.running { background: var(--ok); } .dot.paused, .dot.finished { background: var(--line); }
        details.step { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 0.5rem 1rem; margin-bottom: 0.5rem; }
        details.step summary { cursor: pointer; font-weight: 600; }
        form.region { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; margin: 1rem 0 0; } form.region select { width: auto; flex: 1 1 12rem; } form.region .button.secondary { margin: 0; }
        table.matrix { border-collapse: collapse; background: #fff; font-size: 0.9rem; }
        .matrix th, .matrix td { border: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: center; white-space: nowrap; }
        .matrix th[scope=row] { text-align: left; } .matrix th.level-2 { padding-left: 1.2rem; } .matrix th.level-3 { padding-left: 2.4rem; font-weight: 400; }
        .matrix td.on { color: var(--ok); } .matrix td.off { color: #fff; background: var(--red); font-weight: 600; }
        .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
        footer.site { text-align: center; color: var(--muted); padding: 1.5rem 1rem; font-size: 0.9rem; }
        :focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
        @media (max-width: 480px) { h1 { font-size: 1.45rem; } .brand { font-size: 1.2rem; } .hotline { flex-basis: 100%; order: 3; } main { padding: 0.75rem; } }
        """

    static let javascript = """
        // The web app: its service worker keeps the shell for offline use.
        if ('serviceWorker' in navigator) {
          window.addEventListener('load', function () { navigator.serviceWorker.register('/sw.js').catch(function () {}); });
        }
        // The last progress report viewed stays on this device, shown on the progress page offline.
        document.addEventListener('DOMContentLoaded', function () {
          var current = document.getElementById('current-progress');
          if (current) {
            localStorage.setItem('fawang-last-progress', JSON.stringify({ html: current.innerHTML, at: new Date().toLocaleString('zh-CN') }));
            return;
          }
          var slot = document.getElementById('last-progress');
          var saved = slot && localStorage.getItem('fawang-last-progress');
          if (!saved) return;
          try { saved = JSON.parse(saved); } catch (e) { return; }
          var note = document.createElement('p');
          note.className = 'muted';
          note.textContent = (navigator.onLine ? '上次查询的结果（' : '当前离线，以下是上次查询的结果（') + saved.at + '）';
          var body = document.createElement('div');
          body.innerHTML = saved.html;  // our own page's markup, kept by this page
          slot.appendChild(note);
          slot.appendChild(body);
          slot.hidden = false;
        });
        // 适老化: the large-text mode, remembered on this device.
        (function () {
          var root = document.documentElement;
          if (localStorage.getItem('fawang-large-text') === '1') root.classList.add('large');
          document.addEventListener('DOMContentLoaded', function () {
            var button = document.getElementById('large-text');
            if (!button) return;
            button.setAttribute('aria-pressed', root.classList.contains('large') ? 'true' : 'false');
            button.addEventListener('click', function () {
              var on = root.classList.toggle('large');
              localStorage.setItem('fawang-large-text', on ? '1' : '0');
              button.setAttribute('aria-pressed', on ? 'true' : 'false');
            });
          });
        })();
        """
}
