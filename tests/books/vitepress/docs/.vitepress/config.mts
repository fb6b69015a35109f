import { defineConfig } from 'vitepress'

// https://vitepress.dev/reference/site-config
export default defineConfig({
  title: "Rust 学习笔记",
  description: "从入门到进阶的 Rust 笔记",
  lang: 'zh-CN',
  lastUpdated: true,
  themeConfig: {
    nav: [
      { text: '首页', link: '/' },
      { text: '指南', link: '/guide/what-is-rust' },
    ],
    sidebar: [
      {
        text: '入门',
        items: [
          { text: 'Rust 是什么', link: '/guide/what-is-rust' },
          { text: '安装', link: '/guide/install.md' },
        ]
      },
      {
        text: '进阶',
        collapsed: false,
        items: [
          { text: '所有权', link: '/advanced/ownership', items: [
            { text: '借用', link: '/advanced/borrow' },
          ] },
        ]
      },
    ],
    socialLinks: [{ icon: 'github', link: 'https://example.org/rust-notes' }],
    footer: { message: `Released under the MIT License.` },
  }
})
