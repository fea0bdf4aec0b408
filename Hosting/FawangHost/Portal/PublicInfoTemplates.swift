/// The templates of the guidance and directory pages (``Portal/addPublicInfoPages(to:)``).
enum PublicInfoTemplates {
    static let templates: [String: String] = [
        "guide": """
            {{> top}}
            <h1>法律服务指引</h1>
            <p class="muted">说说您遇到的问题，或选一个问题分类，我们告诉您可以找哪项服务、要准备什么、多久办结、到哪里办。</p>
            <form method="get" action="/guide" id="guide-form">
            <div class="field"><label for="f-q">您遇到了什么问题？</label>
              <textarea id="f-q" name="q" rows="3" placeholder="例如：老板拖欠我三个月工资，请不起律师">{{problem}}</textarea></div>
            <div class="field"><label for="f-category">或选择问题分类</label>
              <select id="f-category" name="category"><option value="">不限</option>{{#categories}}<option value="{{id}}" title="{{problems}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/categories}}</select></div>
            <p><button type="submit" class="button">查找适合的服务</button></p>
            </form>
            {{#hasMessage}}<div class="alert" role="alert">{{message}}</div>{{/hasMessage}}
            {{#hasHint}}<div class="alert" role="status" id="guide-hint">{{hint}}</div>{{/hasHint}}
            <ol class="guide" id="guide-results">
            {{#suggestions}}
            <li class="suggestion" data-module="{{module}}">
              <h2>{{line}} · {{type}}</h2>
              <p class="muted">{{problem}}{{#hasMatched}}（与“{{matched}}”相符）{{/hasMatched}}</p>
              {{#hasEligibility}}<h3>谁可以申请</h3><ul>{{#eligibility}}<li>{{.}}</li>{{/eligibility}}</ul>{{/hasEligibility}}
              {{#hasFees}}<p><strong>费用：</strong>{{fees}}</p>{{/hasFees}}
              {{#hasMaterials}}<h3>需要准备的材料</h3><ul>{{#materials}}<li>{{.}}</li>{{/materials}}</ul>{{/hasMaterials}}
              {{#hasLimits}}<h3>办理时限</h3><ul>{{#limits}}<li>{{label}}：{{period}}（<a href="{{href}}">{{article}}</a>）</li>{{/limits}}</ul>{{/hasLimits}}
              {{#hasQuestions}}<h3>回答几个问题，指引更准确</h3>{{/hasQuestions}}
              {{#questions}}<fieldset class="question"><legend>{{text}}</legend>
                <label><input type="radio" form="guide-form" name="{{name}}" value="yes"{{#yes}} checked{{/yes}}> 是</label>
                <label><input type="radio" form="guide-form" name="{{name}}" value="no"{{#no}} checked{{/no}}> 否</label></fieldset>{{/questions}}
              {{#hasQuestions}}<p><button type="submit" form="guide-form" class="button secondary">按回答更新指引</button></p>{{/hasQuestions}}
              {{#advice}}<div class="alert advice" role="status">{{.}}</div>{{/advice}}
              {{#hasOffice}}{{#office}}<p class="office"><strong>就近办理：</strong><a href="{{href}}">{{name}}</a>（{{#hasAddress}}{{address}}{{/hasAddress}}{{^hasAddress}}{{region}}{{/hasAddress}}{{#hasPhone}}，电话 {{phone}}{{/hasPhone}}）</p>{{/office}}{{/hasOffice}}
              <p class="actions">{{#hasApply}}<a class="button" href="{{applyURL}}">在线申请</a>{{/hasApply}}{{#hasVisit}}<a class="button secondary" href="{{visitURL}}">到窗口办理</a>{{/hasVisit}}<a class="button secondary" href="tel:{{hotline}}">拨打{{hotline}}</a></p>
            </li>
            {{/suggestions}}
            </ol>
            {{> bottom}}
            """,
        "directory": """
            {{> top}}
            <h1>法律服务机构和人员查询</h1>
            <form method="get" action="/directory" id="directory-form" class="inline" role="search">
            <div class="field"><label for="f-name">名称（可输入部分）</label><input type="search" id="f-name" name="name" value="{{name}}"></div>
            <div class="field"><label for="f-kind">类别</label>
              <select id="f-kind" name="kind"><option value="">全部</option>{{#kinds}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/kinds}}</select></div>
            <div class="field"><label for="f-dregion">地区</label>
              <select id="f-dregion" name="region"><option value="">全区</option>{{#regions}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{indent}}{{name}}</option>{{/regions}}</select></div>
            <div class="field"><label for="f-specialty">专业领域</label><input type="text" id="f-specialty" name="specialty" value="{{specialty}}"></div>
            <input type="hidden" id="f-near" name="near" value="{{near}}">
            <p><button type="submit" class="button">查找</button> <button type="button" class="button secondary" id="locate">离我最近</button>{{#hasNear}} <a href="#" id="clear-near">不按距离</a>{{/hasNear}}</p>
            </form>
            {{#hasMessage}}<div class="alert" role="alert">{{message}}</div>{{/hasMessage}}
            {{#map}}
            <figure class="map">
            <svg id="directory-map" viewBox="0 0 {{width}} {{height}}" role="img" aria-label="机构分布示意图（点击地图按离该处由近到远查找）"
                 data-west="{{west}}" data-north="{{north}}" data-xscale="{{xScale}}" data-yscale="{{yScale}}">
              <path d="{{outline}}" class="province"/>
              {{#cells}}<path d="{{path}}" class="county" data-code="{{code}}"><title>{{name}}</title></path>{{/cells}}
              {{#cells}}<text x="{{x}}" y="{{y}}" class="county-name">{{name}}</text>{{/cells}}
              {{#points}}<a href="{{href}}"><circle cx="{{x}}" cy="{{y}}" r="{{r}}" class="entry{{^good}} suspended{{/good}}"><title>{{name}}</title></circle></a>{{/points}}
              {{#near}}<circle cx="{{x}}" cy="{{y}}" r="7" class="near" id="near-point"/>{{/near}}
            </svg>
            <figcaption class="muted">示意图，非标准地图：各县（区）按政府驻地划分示意；点击地图可按离该处由近到远查找。</figcaption>
            </figure>
            {{/map}}
            <p class="muted" id="directory-total">共 {{total}} 个</p>
            <ol class="directory" id="directory-results">{{#entries}}<li><a href="{{href}}">{{name}}</a> <span class="tag">{{kind}}</span>{{^good}} <span class="tag warn">{{status}}</span>{{/good}}{{#hasRating}} <span class="tag">满意度 {{rating}}</span>{{/hasRating}} <span class="muted">{{region}}{{#hasDistance}} · 约{{distance}}公里{{/hasDistance}}{{#hasOrganization}} · {{organization}}{{/hasOrganization}}</span></li>{{/entries}}</ol>
            {{> bottom}}
            """,
        "directory-entry": """
            {{> top}}
            <p><a href="/directory">← 机构和人员查询</a></p>
            <h1 id="entry-name">{{name}}</h1>
            <p class="muted">{{kind}}{{#line}} · {{line}}{{/line}} · {{region}}</p>
            <dl class="entry">
            {{#hasOrganization}}<dt>执业机构</dt><dd>{{organization}}</dd>{{/hasOrganization}}
            {{#hasAddress}}<dt>地址</dt><dd>{{address}}</dd>{{/hasAddress}}
            {{#hasPhone}}<dt>电话</dt><dd><a href="tel:{{phone}}">{{phone}}</a></dd>{{/hasPhone}}
            {{#hasSpecialties}}<dt>专业领域</dt><dd>{{specialties}}</dd>{{/hasSpecialties}}
            {{#hasLocation}}<dt>位置</dt><dd>{{lat}}, {{lon}}{{#approximate}}（所在地区政府驻地）{{/approximate}} · <a href="{{nearHref}}">查看附近的机构</a></dd>{{/hasLocation}}
            </dl>
            <h2>信用信息</h2>
            <dl class="entry" id="credit">
            <dt>执业状态</dt><dd class="{{^good}}warn{{/good}}" id="licence-status">{{status}}</dd>
            {{#hasLicence}}<dt>证号</dt><dd>{{licence}}</dd>{{/hasLicence}}
            <dt>行政处罚和行业处分</dt><dd id="discipline">{{#hasDiscipline}}<ul>{{#discipline}}<li>{{.}}</li>{{/discipline}}</ul>{{/hasDiscipline}}{{^hasDiscipline}}无{{/hasDiscipline}}</dd>
            {{#figures}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/figures}}
            </dl>
            <p class="muted">办理事项、满意度、逾期和投诉按平台受理的事项统计：逾期指有法定期限超期办结或已超期未办结；投诉查实指经调查作出处理的投诉。</p>
            {{> bottom}}
            """,
        "publicity": """
            {{> top}}
            <h1>法治宣传</h1>
            <p class="muted"><a href="/publicity/feed.atom" type="application/atom+xml">订阅（Atom）</a></p>
            <nav class="categories" aria-label="栏目"><a href="/publicity">全部</a>{{#categories}} <a href="/publicity?category={{id}}"{{#selected}} aria-current="page"{{/selected}}>{{name}}（{{count}}）</a>{{/categories}}</nav>
            <form method="get" action="/publicity" class="inline" role="search"><div class="field"><label for="f-pq">查找文章</label>
              <input type="search" id="f-pq" name="q" value="{{query}}"></div><p><button type="submit" class="button secondary">查找</button></p></form>
            {{#hasTag}}<p>标签：<span class="tag">{{tag}}</span> <a href="/publicity">全部文章</a></p>{{/hasTag}}
            <p class="muted" id="publicity-total">共 {{total}} 篇</p>
            <ol class="articles" id="publicity-articles">{{#articles}}<li><h2><a href="{{href}}">{{title}}</a></h2>
              <p class="muted">{{categoryName}} · {{date}} · 阅读 {{reads}}</p><p>{{summary}}</p></li>{{/articles}}</ol>
            {{#hasNext}}<p><a class="button secondary" href="{{nextHref}}">下一页</a></p>{{/hasNext}}
            {{> bottom}}
            """,
        "publicity-article": """
            {{> top}}
            <p><a href="/publicity">← 法治宣传</a></p>
            <article class="publicity">
            <h1 id="article-title">{{title}}</h1>
            <p class="muted">{{categoryName}} · {{author}} · {{date}} · 阅读 <span id="article-reads">{{reads}}</span></p>
            {{#paragraphs}}<p>{{.}}</p>{{/paragraphs}}
            <p>{{#tags}}<a class="tag" href="{{href}}">{{name}}</a> {{/tags}}</p>
            </article>
            {{> bottom}}
            """,
        "disclosure": """
            {{> top}}
            <h1>政府信息公开</h1>
            <p>主动公开目录（《中华人民共和国政府信息公开条例》第十九条、第二十条）。目录中没有的信息，可以<a href="{{applyHref}}" id="apply-disclosure">在线申请公开</a>，一般在收到申请之日起20个工作日内答复（第三十三条）。</p>
            <form method="get" action="/disclosure" class="inline"><div class="field"><label for="f-dcat">类别</label>
              <select id="f-dcat" name="category"><option value="0">全部</option>{{#categories}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{name}}（{{count}}）</option>{{/categories}}</select></div>
              <p><button type="submit" class="button secondary">查看</button></p></form>
            <p class="muted" id="disclosure-total">共 {{total}} 条</p>
            <table class="catalogue" id="disclosure-items"><thead><tr><th>索引号</th><th>名称</th><th>类别</th><th>文号</th><th>生成日期</th></tr></thead>
            <tbody>{{#items}}<tr><td>{{id}}</td><td><a href="{{href}}">{{title}}</a></td><td>{{category}}</td><td>{{number}}</td><td>{{generated}}</td></tr>{{/items}}</tbody></table>
            {{#hasNext}}<p><a class="button secondary" href="{{nextHref}}">下一页</a></p>{{/hasNext}}
            {{> bottom}}
            """,
        "disclosure-item": """
            {{> top}}
            <p><a href="/disclosure">← 政府信息公开</a></p>
            <h1 id="item-title">{{title}}</h1>
            <dl class="entry"><dt>索引号</dt><dd>{{id}}</dd><dt>发布机关</dt><dd>{{publisher}}</dd><dt>类别</dt><dd>{{category}}</dd>
            {{#hasNumber}}<dt>文号</dt><dd>{{number}}</dd>{{/hasNumber}}<dt>生成日期</dt><dd>{{generated}}</dd><dt>发布日期</dt><dd>{{published}}</dd>
            <dt>内容概述</dt><dd>{{summary}}</dd></dl>
            {{#paragraphs}}<p>{{.}}</p>{{/paragraphs}}
            {{> bottom}}
            """,
    ]

    static let css = """
        .map svg { width: 100%; max-width: 600px; height: auto; background: #f4f7fb; cursor: crosshair; }
        .map .province { fill: #fff; stroke: #555; stroke-width: 1.5; }
        .map .county { fill: #eef3f8; stroke: #9aa8b8; stroke-width: 0.7; }
        .map .county:hover { fill: #dde8f3; }
        .map .county-name { font-size: 9px; fill: #445; text-anchor: middle; pointer-events: none; }
        .map .entry { fill: #b3261e; fill-opacity: 0.75; stroke: #fff; stroke-width: 0.8; }
        .map .entry.suspended { fill: #888; }
        .map .near { fill: none; stroke: #1a5fb4; stroke-width: 2.5; }
        .suggestion { border: 1px solid #ddd; border-radius: 8px; padding: 0.5rem 1rem; margin: 1rem 0; }
        .question { border: none; padding: 0; margin: 0.5rem 0; }
        .tag.warn { background: #b3261e; color: #fff; } dd.warn, td.warn { color: #b3261e; font-weight: 600; }
        dl.entry dt { font-weight: bold; margin-top: 0.5rem; }
        table.catalogue { border-collapse: collapse; width: 100%; font-size: 0.95em; }
        table.catalogue th, table.catalogue td { border-bottom: 1px solid #ddd; padding: 0.3rem; text-align: left; vertical-align: top; }
        @media (max-width: 600px) { table.catalogue th:nth-child(4), table.catalogue td:nth-child(4) { display: none; } }
        """

    /// Clicks on the map search nearest the clicked place; "离我最近" asks the browser's position.
    static let javascript = """
        (function () {
          var map = document.getElementById('directory-map');
          var form = document.getElementById('directory-form');
          if (!map || !form) return;
          function searchNear(lat, lon) {
            document.getElementById('f-near').value = lat.toFixed(4) + ',' + lon.toFixed(4);
            form.submit();
          }
          map.addEventListener('click', function (event) {
            if (event.target.closest('a')) return;
            var box = map.getBoundingClientRect(), view = map.viewBox.baseVal;
            var x = (event.clientX - box.left) * view.width / box.width, y = (event.clientY - box.top) * view.height / box.height;
            searchNear(parseFloat(map.dataset.north) - y / parseFloat(map.dataset.yscale), parseFloat(map.dataset.west) + x / parseFloat(map.dataset.xscale));
          });
          var locate = document.getElementById('locate');
          if (locate && navigator.geolocation) {
            locate.addEventListener('click', function () {
              navigator.geolocation.getCurrentPosition(function (p) { searchNear(p.coords.latitude, p.coords.longitude); });
            });
          }
          var clear = document.getElementById('clear-near');
          if (clear) clear.addEventListener('click', function (event) { event.preventDefault(); document.getElementById('f-near').value = ''; form.submit(); });
        })();
        """
}
