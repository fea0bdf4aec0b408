/// The templates of the appointment pages (``Portal/addAppointmentPages(to:)``).
enum AppointmentTemplates {
    static let css = """
        .ticket-number { font-size: 4rem; font-weight: 700; margin: 0.5rem 0; color: var(--accent, #b3261e); }
        .announcement { font-size: 2rem; font-weight: 700; margin: 1rem 0; }
        """

    static let templates: [String: String] = [
        "appointments": """
            {{> top}}
            <h1>网上预约</h1>
            <p>选择地区和事项，预约到公共法律服务中心当面办理；凭预约号和手机号后四位可以<a href="/appointments/mine">查看、改约或取消</a>。也可以拨打 12348 预约。</p>
            <form method="get" action="/appointments" class="inline">
              <div class="field"><label for="f-aregion">地区</label>
                <select id="f-aregion" name="region"><option value="">全区</option>{{#regions}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{indent}}{{name}}</option>{{/regions}}</select></div>
              <div class="field"><label for="f-aservice">事项</label>
                <select id="f-aservice" name="service"><option value="">全部</option>{{#services}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/services}}</select></div>
              <p><button type="submit" class="button secondary">查看可预约时段</button></p>
            </form>
            <p class="muted" id="slots-total">可预约时段 {{total}} 个（今后两周）</p>
            <table class="catalogue" id="appointment-slots"><thead><tr><th>机构</th><th>事项</th><th>日期</th><th>时段</th><th>余号</th><th></th></tr></thead>
            <tbody>{{#slots}}<tr><td>{{office}}</td><td>{{service}}</td><td>{{day}}（{{weekday}}）</td><td>{{period}}</td><td>{{remaining}}</td><td><a class="button" href="{{href}}">预约</a></td></tr>{{/slots}}</tbody></table>
            {{> bottom}}
            """,
        "appointment-book": """
            {{> top}}
            <p><a href="/appointments">← 网上预约</a></p>
            <h1>预约：{{slot.service}}</h1>
            <dl class="entry" id="slot"><dt>机构</dt><dd>{{slot.office}}</dd><dt>时间</dt><dd>{{slot.day}}（{{slot.weekday}}）{{slot.period}}</dd><dt>余号</dt><dd>{{slot.remaining}}</dd></dl>
            {{#hasErrors}}<div class="alert" role="alert"><ul>{{#errors}}<li>{{text}}</li>{{/errors}}</ul></div>{{/hasErrors}}
            <form method="post" action="/appointments/book" id="booking-form">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <input type="hidden" name="request_id" value="{{requestID}}">
              <input type="hidden" name="slot_id" value="{{slot.id}}">
              <div class="field"><label for="f-bname">姓名</label><input type="text" id="f-bname" name="name" value="{{name}}" autocomplete="name" required maxlength="50"></div>
              <div class="field"><label for="f-bphone">手机号（接收确认和提醒短信，后四位用于查询和取消）</label><input type="tel" id="f-bphone" name="phone" value="{{phone}}" inputmode="numeric" autocomplete="tel" required></div>
              <div class="field"><label for="f-btrack">已有事项的受理编号（选填）</label><input type="text" id="f-btrack" name="tracking_number" value="{{tracking}}" inputmode="numeric" autocomplete="off"></div>
              <p><button type="submit" class="button">确认预约</button></p>
            </form>
            {{#hasApplyForms}}<p id="apply-with-booking">还没有提交申请？{{#applyForms}}<a class="button secondary" href="{{href}}">在线填写{{title}}并预约此时段</a> {{/applyForms}}：申请与预约一并提交，预约带上新申请的受理编号。</p>{{/hasApplyForms}}
            {{> bottom}}
            """,
        "appointment-mine": """
            {{> top}}
            <p><a href="/appointments">← 网上预约</a></p>
            <h1>我的预约</h1>
            {{#hasMessage}}<div class="alert" role="status">{{message}}</div>{{/hasMessage}}
            <form method="post" action="/appointments/mine" class="inline" id="booking-lookup">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <div class="field"><label for="f-mnumber">预约号</label><input type="text" id="f-mnumber" name="number" value="{{number}}" autocomplete="off"></div>
              <div class="field"><label for="f-mlast4">手机号后四位</label><input type="text" id="f-mlast4" name="phone_last4" value="{{phoneLast4}}" inputmode="numeric" maxlength="4" autocomplete="off"></div>
              <p><button type="submit" class="button secondary">查看</button></p>
            </form>
            {{#booking}}
            <section class="report" id="booking" aria-labelledby="booking-title">
              <h2 id="booking-title">{{slot.service}}</h2>
              <dl><dt>预约号</dt><dd id="booking-number">{{number}}</dd><dt>状态</dt><dd id="booking-status">{{status}}</dd><dt>预约人</dt><dd>{{name}}</dd>
              <dt>机构</dt><dd>{{slot.office}}</dd><dt>时间</dt><dd>{{slot.day}}（{{slot.weekday}}）{{slot.period}}</dd>
              {{#hasTracking}}<dt>受理编号</dt><dd>{{tracking}}</dd>{{/hasTracking}}</dl>
              {{#open}}
              {{#hasAlternatives}}
              <form method="post" action="/appointments/reschedule" id="reschedule-form">
                <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="number" value="{{number}}"><input type="hidden" name="phone_last4" value="{{phoneLast4}}">
                <div class="field"><label for="f-rslot">改约到</label><select id="f-rslot" name="slot_id">{{#alternatives}}<option value="{{id}}">{{label}}</option>{{/alternatives}}</select></div>
                <p><button type="submit" class="button secondary">改约</button></p>
              </form>
              {{/hasAlternatives}}
              <form method="post" action="/appointments/cancel" id="cancel-form">
                <input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="number" value="{{number}}"><input type="hidden" name="phone_last4" value="{{phoneLast4}}">
                <p><button type="submit" class="button secondary">取消预约</button></p>
              </form>
              {{/open}}
            </section>
            {{/booking}}
            {{> bottom}}
            """,
        "hall-kiosk": """
            {{> top}}
            <h1>取号 · {{office}}</h1>
            {{#hasMessage}}<div class="alert" role="alert">{{message}}</div>{{/hasMessage}}
            {{#ticket}}<section class="report" id="ticket" aria-live="polite"><h2>您的号码</h2><p class="ticket-number" id="ticket-number">{{number}}</p>
              <p>{{service}} · 前面还有 <span id="ticket-ahead">{{ahead}}</span> 人，请留意叫号屏和广播。</p></section>{{/ticket}}
            {{#hasServices}}
            <form method="post" action="/hall/kiosk?office={{officeID}}" id="kiosk-form">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <fieldset><legend>请选择办理的事项</legend>
              {{#services}}<p><button type="submit" name="service" value="{{id}}" class="button">{{name}}（等候 {{waiting}} 人）</button></p>{{/services}}
              </fieldset>
              <div class="field"><label for="f-kbooking">已预约？填写预约号（选填，优先办理）</label><input type="text" id="f-kbooking" name="booking_number" autocomplete="off"></div>
              <div class="field"><label for="f-klast4">预约手机号后四位</label><input type="text" id="f-klast4" name="phone_last4" inputmode="numeric" maxlength="4" autocomplete="off"></div>
            </form>
            {{/hasServices}}
            {{^hasServices}}<p>本中心今天暂未开放窗口取号，请到咨询台或拨打12348。</p>{{/hasServices}}
            {{> bottom}}
            """,
        "hall-display": """
            {{> top}}
            <section id="hall-display" data-office="{{officeID}}" data-state="{{state}}" aria-live="assertive">
              <h1>{{office}} · 叫号</h1>
              <p class="announcement" id="announcement">请留意叫号</p>
              <table class="catalogue"><thead><tr><th>号码</th><th>窗口</th><th>状态</th></tr></thead><tbody id="calls"></tbody></table>
              <h2>排队情况</h2>
              <table class="catalogue"><thead><tr><th>事项</th><th>等候</th><th>已办</th><th>平均等候</th></tr></thead><tbody id="queues"></tbody></table>
            </section>
            <script src="/static/hall.js" defer></script>
            {{> bottom}}
            """,
    ]
}
